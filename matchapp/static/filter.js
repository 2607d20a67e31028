// Filter a long list in place: rows that do not contain the typed words are hidden, not removed,
// so a ranking or a preference list is still submitted whole (no paging inside a form).
document.querySelectorAll("input[data-filter]").forEach(function (input) {
  var target = document.querySelector(input.getAttribute("data-filter"));
  var status = document.getElementById(input.getAttribute("aria-describedby") || "");
  var template = input.getAttribute("data-filter-count") || "{n} / {t}";
  if (!target) { return; }
  // Enter in the search box filters; it must not submit the form the list belongs to.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); }
  });
  input.addEventListener("input", function () {
    var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var items = Array.prototype.filter.call(target.children, function (el) {
      return el.tagName === "TR" || el.classList.contains("post-card");
    });
    var shown = 0;
    items.forEach(function (item) {
      var text = item.textContent.toLowerCase();
      var hit = words.every(function (w) { return text.indexOf(w) >= 0; });
      item.hidden = !hit;
      if (hit) { shown += 1; }
    });
    if (status) { status.textContent = words.length ? template.replace("{n}", shown).replace("{t}", items.length) : ""; }
  });
});
