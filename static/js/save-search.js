// "Save this search" on the search page. As you type, the results and the address bar follow
// the search (htmx), but this form's hidden fields were drawn with the page: send the search
// the address bar holds now. Without JavaScript the page reloads per search, and the fields
// are right as drawn.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-save-search]")) { return; }
    Array.prototype.forEach.call(form.querySelectorAll("input[type=hidden]"), function (input) {
      input.remove();
    });
    new URLSearchParams(window.location.search).forEach(function (value, name) {
      if (name === "page") { return; }
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.appendChild(input);
    });
  });
})();
