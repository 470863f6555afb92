// The briefing's "Print or save as PDF" button: the browser's own print dialog (which saves PDFs
// too). Delegated from the document, because Dash renders the button after this script loads.
document.addEventListener("click", function (event) {
  if (event.target && event.target.closest && event.target.closest("#print-button")) {
    window.print();
  }
});
