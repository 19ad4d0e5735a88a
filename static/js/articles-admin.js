// Live preview of an article's Markdown in the admin. Without JavaScript the
// admin works as before; the page shows the saved rendering after each save.
(function () {
  "use strict";
  var textarea = document.querySelector("textarea.articles-markdown");
  if (!textarea || !window.fetch) { return; }
  var form = textarea.form;
  var url = textarea.closest("form").action.replace(/(\/admin\/articles\/article\/).*$/, "$1preview/");
  var box = document.createElement("div");
  box.className = "articles-preview";
  box.setAttribute("aria-live", "polite");
  box.setAttribute("aria-label", "Preview");
  var problems = document.createElement("ul");
  problems.className = "articles-preview__problems";
  var heading = document.createElement("h3");
  heading.textContent = "Preview";
  textarea.parentNode.appendChild(heading);
  textarea.parentNode.appendChild(problems);
  textarea.parentNode.appendChild(box);
  var timer = null;
  function refresh() {
    var data = new FormData();
    data.append("body", textarea.value);
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (json) {
        if (!json) { return; }
        box.innerHTML = json.html; // sanitised by nh3 on the server
        problems.textContent = "";
        json.problems.forEach(function (text) {
          var li = document.createElement("li");
          li.textContent = text;
          problems.appendChild(li);
        });
      });
  }
  textarea.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
  refresh();
})();
