/* Workup web app. The only JavaScript besides htmx: the Content-Security-Policy allows no inline
   script or event handler, so every behaviour lives here. Countdowns and overdue minutes are
   rendered by the server (its clock is the one that escalates) and refreshed by htmx polling. */
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    var meta = document.querySelector("meta[name=csrf-token]");
    if (meta) {
      return meta.getAttribute("content");
    }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Django's CSRF check for htmx requests that send no form token of their own.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") {
      event.detail.headers["X-CSRFToken"] = csrfToken();
    }
  });

  // Forms that ask before doing something: <form data-confirm="question">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
