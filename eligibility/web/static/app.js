// The only script of the pages besides htmx: the print button of the printable page.
document.addEventListener("click", function (event) {
  if (event.target instanceof Element && event.target.closest(".js-print")) {
    window.print();
  }
});
