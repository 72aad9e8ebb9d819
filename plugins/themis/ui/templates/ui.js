// Themis UI: the pages work without this; it only submits a filter form when one of its selects changes.
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target && target.matches && target.matches("select[data-autosubmit]") && target.form) {
    var page = target.form.querySelector("input[name=page]");
    if (page) { page.remove(); }
    target.form.submit();
  }
});
