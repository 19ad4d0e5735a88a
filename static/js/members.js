// Progressive enhancement for the members pages; everything works without it.
(function () {
  "use strict";

  // Move focus to the error summary, as GOV.UK services do.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    // A link in the summary focuses its field. Following "#id_name" alone is
    // not enough: some browsers move only the Tab starting point, not focus,
    // and those that focus scroll the field to the very top, its label out of
    // sight. Here the label (a radio group's legend) scrolls into view and the
    // field takes focus, in every browser.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field || typeof field.focus !== "function") { return; }
      event.preventDefault();
      // A radio's question is its group's legend; any other field's is its label.
      var fieldset = field.type === "radio" && field.closest("fieldset");
      var legend = fieldset && fieldset.querySelector("legend");
      var caption = legend || (field.labels && field.labels[0]) || field;
      caption.scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  // Type-ahead for the branch list: a search box that narrows the <select>.
  var select = document.querySelector("select[data-typeahead]");
  if (!select) { return; }
  var wrap = document.createElement("div");
  wrap.className = "typeahead";
  var label = document.createElement("label");
  label.className = "form-label";
  label.htmlFor = select.id + "_search";
  label.textContent = "Search for your branch by name, code or group";
  var input = document.createElement("input");
  input.type = "search";
  input.id = select.id + "_search";
  input.autocomplete = "off";
  input.setAttribute("aria-controls", select.id);
  var status = document.createElement("p");
  status.className = "form-hint";
  status.setAttribute("role", "status");
  wrap.appendChild(label);
  wrap.appendChild(input);
  wrap.appendChild(status);
  select.parentNode.insertBefore(wrap, select);

  var groups = Array.prototype.slice.call(select.querySelectorAll("optgroup"));
  input.addEventListener("input", function () {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0, first = null;
    groups.forEach(function (group) {
      var groupText = group.label.toLowerCase(), any = false;
      Array.prototype.forEach.call(group.children, function (option) {
        var text = groupText + " " + option.textContent.toLowerCase();
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match;
        option.disabled = !match;
        if (match) { any = true; shown += 1; if (!first) { first = option; } }
      });
      group.hidden = !any;
    });
    var current = select.options[select.selectedIndex];
    if (words.length && first && (!current || current.hidden || !current.value)) {
      first.selected = true;  // keep the choice visible while narrowing
    }
    if (!words.length) {
      status.textContent = "";
    } else if (shown === 0) {
      status.textContent = "No branch matches: type its name in 'My branch is not listed' below.";
    } else {
      status.textContent = shown + (shown === 1 ? " branch matches" : " branches match");
    }
  });
})();
