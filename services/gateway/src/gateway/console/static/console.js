// The staff console's only script: live updates (server-sent events) and canned replies.
// Every page works without it; with it, the queue and a conversation redraw themselves.
"use strict";

function redraw(box) {
  fetch(box.dataset.live, { credentials: "same-origin" }).then(function (response) {
    if (response.status === 401) { window.location.assign("/console/login"); return null; }
    return response.ok ? response.text() : null;
  }).then(function (html) {
    if (html !== null && html !== undefined) { box.innerHTML = html; }
  });
}

function listen() {
  var box = document.querySelector("[data-live]");
  if (!box || !window.EventSource) { return; }
  var source = new EventSource(box.dataset.events || "/console/events");
  source.addEventListener("changed", function () { redraw(box); });
}

function cannedReplies() {
  var text = document.getElementById("reply-text");
  document.querySelectorAll(".canned-reply").forEach(function (button) {
    button.addEventListener("click", function () {
      text.value = text.value ? text.value + "\n" + button.dataset.text : button.dataset.text;
      text.focus();
    });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  listen();
  cannedReplies();
});
