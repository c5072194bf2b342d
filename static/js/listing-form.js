// Makes the listing form shorter with JavaScript: fields that do not apply are folded away,
// and choosing a category suggests its usual unit. Without JavaScript every field shows.
(function () {
  "use strict";

  function toggle(container, visible) {
    if (!container) { return; }
    container.hidden = !visible;
    if (visible) { window.dispatchEvent(new Event("resize")); }  // lets a map inside re-measure
  }

  function watch(input, update) {
    if (!input) { return; }
    input.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector(".listing-form form");
    if (!form) { return; }

    var site = form.querySelector("select[name=site_id]");
    var place = form.querySelector("[data-new-place]");
    watch(site, function () { toggle(place, site.value === "new"); });

    var demolition = form.querySelector("input[name=demolition_material]");
    var hazard = form.querySelector("[data-hazard-fields]");
    watch(demolition, function () { toggle(hazard, demolition.checked); });

    var prices = form.querySelector("[data-price-fields]");
    var models = form.querySelectorAll("input[name=price_model]");
    function updatePrices() {
      var chosen = form.querySelector("input[name=price_model]:checked");
      toggle(prices, !chosen || chosen.value !== "free");
    }
    models.forEach(function (radio) { radio.addEventListener("change", updatePrices); });
    updatePrices();

    var category = form.querySelector("select[name=category_id]");
    var unit = form.querySelector("select[name=unit]");
    if (category && unit) {
      category.addEventListener("change", function () {
        var option = category.options[category.selectedIndex];
        var suggested = option && option.getAttribute("data-unit");
        if (suggested && unit.querySelector("option[value='" + suggested + "']")) {
          unit.value = suggested;
        }
      });
    }
  });
})();
