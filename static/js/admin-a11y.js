// The admin's autocomplete boxes (select2) give their combobox only the chosen
// value as its name, and an empty "textbox" inside it when nothing is chosen:
// screen readers then announce an unnamed field. Name each one by its <label>.
function nameAutocompletes() {
  document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
    const label = select.id && document.querySelector(`label[for="${select.id}"]`);
    const container = select.nextElementSibling;
    if (!label || !container) return;
    label.id = label.id || `${select.id}-label`;
    const combobox = container.querySelector('[role="combobox"]');
    const rendered = container.querySelector(".select2-selection__rendered");
    // Without its role the span is plain text (aria-readonly needs a role to mean anything).
    if (rendered) {
      rendered.removeAttribute("role");
      rendered.removeAttribute("aria-readonly");
    }
    if (combobox && rendered) {
      combobox.setAttribute("aria-labelledby", `${label.id} ${rendered.id}`);
    }
  });
}

// Django's autocomplete.js builds the boxes in a jQuery ready handler: queue after it.
if (window.django && window.django.jQuery) window.django.jQuery(nameAutocompletes);
