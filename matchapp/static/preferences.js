// The preferences page: cards in "my list" (ranked) and "available". Dragging a card, or its
// buttons, reorders the list; the typed numbers follow, and typing a number moves the card.
// Without JavaScript the typed numbers alone still work: the server reads rank-<school> fields.
(function () {
  "use strict";
  var ranked = document.getElementById("ranked");
  var available = document.getElementById("available");
  if (!ranked || !available) return;
  var form = document.getElementById("preferences");
  var count = document.getElementById("ranked-count");
  var empty = form.querySelector(".empty-ranked");

  function cards(list) { return Array.prototype.slice.call(list.querySelectorAll(".post-card")); }
  function input(card) { return card.querySelector("input[type=number]"); }

  function renumber() {
    cards(ranked).forEach(function (card, k) { input(card).value = k + 1; });
    cards(available).forEach(function (card) { input(card).value = ""; });
    var n = cards(ranked).length;
    count.textContent = n ? "（" + n + "）" : "";
    empty.hidden = n > 0;
  }

  function sortByTyped() {
    // Typed numbers decide the order; cards without a number go (or stay) below.
    var all = cards(ranked).concat(cards(available));
    var numbered = all.filter(function (c) { return input(c).value !== ""; });
    numbered.sort(function (a, b) { return Number(input(a).value) - Number(input(b).value); });
    numbered.forEach(function (c) { ranked.appendChild(c); });
    all.filter(function (c) { return input(c).value === ""; }).forEach(function (c) {
      if (c.parentNode === ranked) available.insertBefore(c, available.firstChild);
    });
    renumber();
  }

  function focusButton(card, name) {
    var button = card.querySelector(name);
    if (button) button.focus();
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || !button.closest(".post-card")) return;
    var card = button.closest(".post-card");
    if (button.classList.contains("js-add")) { ranked.appendChild(card); renumber(); focusButton(card, ".js-up"); }
    else if (button.classList.contains("js-remove")) { available.insertBefore(card, available.firstChild); renumber(); focusButton(card, ".js-add"); }
    else if (button.classList.contains("js-up") && card.previousElementSibling) { ranked.insertBefore(card, card.previousElementSibling); renumber(); focusButton(card, ".js-up"); }
    else if (button.classList.contains("js-down") && card.nextElementSibling) { ranked.insertBefore(card.nextElementSibling, card); renumber(); focusButton(card, ".js-down"); }
  });
  form.addEventListener("change", function (event) {
    if (event.target.matches("input[type=number]")) sortByTyped();
  });

  var options = { group: "preferences", animation: 150, handle: ".post-card", filter: "input, button", preventOnFilter: false, onSort: renumber };
  Sortable.create(ranked, options);
  Sortable.create(available, Object.assign({}, options, { sort: false }));
  renumber();
})();
