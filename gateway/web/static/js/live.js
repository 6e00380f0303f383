// SafeDial's own script: live status for a region that names an event stream.
//
// Every page works without it. A region with data-live-source="/address" follows
// that address's server-sent events: each event's data is JSON
// {"text": "...", "done": true|false}; the text replaces the region's text (give the
// region role="status" so it is read out) and "done" ends the stream. When the
// stream fails before it is done, the page reloads after data-live-retry seconds
// (default 5; 0 never), so it still shows the status the server knows. Once done,
// elements marked data-live-done-hidden (a "Refresh" link) are hidden.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function follow(region) {
    var retry = Number(region.getAttribute("data-live-retry") || "5");
    var done = false;
    var source = new EventSource(region.getAttribute("data-live-source"));

    source.onmessage = function (event) {
      var update;
      try {
        update = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (typeof update.text === "string") {
        region.textContent = update.text;
      }
      if (update.done === true) {
        done = true;
        source.close();
        Array.prototype.forEach.call(
          document.querySelectorAll("[data-live-done-hidden]"),
          function (element) { element.hidden = true; }
        );
      }
    };

    source.onerror = function () {
      source.close();
      if (!done && retry > 0) {
        window.setTimeout(function () {
          window.location.reload();
        }, retry * 1000);
      }
    };
  }

  if (window.EventSource) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-live-source]"), follow);
  }
})();
