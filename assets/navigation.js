/* Moving between pages without a blank screen and with a sign of progress at once.

   1. Filter, search and period forms (method GET) move to their URL inside the app, the way a
      link does, instead of reloading the whole page. The URL is what a plain submit gives (less
      the empty and "any" fields), so the back button, deep links and browsers without
      JavaScript work as before.
   2. The moment a link inside the app is followed or such a form is sent, the page is marked as
      navigating: the old page dims and the loading bar shows, before Dash's router has even
      asked the server; dcc.Loading (layouts/shell.py) keeps it so until the new page is in. */
(function () {
  "use strict";
  var NAVIGATING = "aim-navigating";
  var timer = null;

  function content() {
    return document.getElementById("_pages_content");
  }

  function done() {
    document.documentElement.classList.remove(NAVIGATING);
    if (timer) window.clearTimeout(timer);
    timer = null;
  }

  function navigating() {
    document.documentElement.classList.add(NAVIGATING);
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(done, 20000); // a page that never comes must not dim the old one forever
  }

  function inApp(url) {
    // Downloads are files, not pages: the router never draws them, so following one must not dim
    // the page that stays in view.
    return url.origin === window.location.origin && !/^\/(api|login|logout|account|downloads)(\/|$)/.test(url.pathname);
  }

  document.addEventListener(
    "click",
    function (event) {
      var link = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!link || !content() || event.defaultPrevented || event.button !== 0 || link.hasAttribute("download")) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || link.target === "_blank") return;
      var url = new URL(link.href, window.location.href);
      if (!inApp(url) || url.hash) return;
      if (url.pathname + url.search === window.location.pathname + window.location.search) return;
      navigating();
    },
    true
  );

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "get" || !content()) return;
    var action = new URL(form.getAttribute("action") || window.location.pathname, window.location.href);
    if (!inApp(action)) return;
    var fields = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "" && value !== "all") fields.append(name, value);
    });
    var query = fields.toString();
    event.preventDefault();
    navigating();
    window.history.pushState({}, "", action.pathname + (query ? "?" + query : ""));
    // dcc.Location listens for this event (what dcc.Link dispatches); Dash's router renders.
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
  });

  window.addEventListener("popstate", function () {
    if (content()) navigating();
  });

  // The router has put the new page in: the page is no longer navigating.
  new MutationObserver(function (changes) {
    for (var i = 0; i < changes.length; i += 1) {
      if (changes[i].target.id === "_pages_content") {
        done();
        return;
      }
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
