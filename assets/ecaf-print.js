// "Print this page" on the family copy. Printing needs JavaScript, so the button is hidden in
// the page and shown here; without JavaScript the browser's own Print still works, and the
// print stylesheet in ecaf.css applies either way.
for (const button of document.querySelectorAll('[data-ecaf-print]')) {
  button.hidden = false
  button.addEventListener('click', () => window.print())
}
