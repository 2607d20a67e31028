// Print buttons (no inline script: the Content-Security-Policy allows only our own files).
document.querySelectorAll(".print-button").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
