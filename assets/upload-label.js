/* Give the file input inside a Dash Upload area its accessible name. dcc.Upload renders the
   <input type="file"> itself and takes no attributes for it, so the name is copied from the
   area's aria-label-for data attribute once the input appears (WCAG 4.1.2, axe "label"). */
(function () {
  function label(root) {
    root.querySelectorAll('[data-upload-label]').forEach(function (area) {
      var input = area.querySelector('input[type=file]');
      if (input && !input.hasAttribute('aria-label')) {
        input.setAttribute('aria-label', area.getAttribute('data-upload-label'));
      }
    });
  }
  new MutationObserver(function () { label(document); })
    .observe(document.documentElement, {childList: true, subtree: true});
})();
