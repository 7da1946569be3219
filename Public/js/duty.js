// Live duty desk: new urgent tips arrive over a WebSocket with a sound; on every (re)connection
// the page fetches the current list, so nothing sent while it was away is missed.
(function () {
  "use strict";
  var list = document.getElementById("duty-list");
  var empty = document.getElementById("duty-empty");
  var state = document.getElementById("live-state");
  var texts = document.getElementById("duty-texts").dataset;
  var template = document.getElementById("duty-item-template");
  var retry = 500;
  var audio = null;

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + 0.6);
    } catch (e) { /* no audio device: the visual highlight remains */ }
  }

  function refreshEmpty() { empty.hidden = list.children.length > 0; }

  function find(id) { return list.querySelector('[data-id="' + id + '"]'); }

  function add(item, announce) {
    if (find(item.id)) return;
    var node = template.content.firstElementChild.cloneNode(true);
    node.dataset.id = item.id;
    node.dataset.reference = item.reference;
    node.querySelector(".ref").textContent = item.reference;
    node.querySelector(".cat").textContent = item.category;
    node.querySelector(".commune").textContent = item.commune;
    node.querySelector(".when").textContent = new Date(item.createdAt).toLocaleString("vi-VN", {
      timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric"
    });
    node.querySelector(".open").href = "/console/tips/" + item.id;
    node.querySelector("form").action = "/console/duty/" + item.id + "/acknowledge";
    list.insertBefore(node, list.firstChild);
    refreshEmpty();
    if (announce) beep();
  }

  function remove(id) {
    var node = find(id);
    if (node) node.remove();
    refreshEmpty();
  }

  function catchUp() {
    return fetch("/console/duty/feed", { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (items) {
        var current = {};
        items.forEach(function (item) { current[item.id] = true; });
        Array.prototype.slice.call(list.children).forEach(function (node) { if (!current[node.dataset.id]) node.remove(); });
        var fresh = items.filter(function (item) { return !find(item.id); });
        fresh.slice().reverse().forEach(function (item) { add(item, false); });
        if (fresh.length) beep();
        refreshEmpty();
      });
  }

  function connect() {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/console/duty/live");
    ws.onopen = function () {
      retry = 500;
      state.textContent = texts.live;
      state.classList.add("on");
      catchUp().catch(function () {});
    };
    ws.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.kind === "new") add(message, true);
      else if (message.kind === "acknowledged") remove(message.id);
    };
    ws.onclose = function () {
      state.textContent = texts.offline;
      state.classList.remove("on");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  // Acknowledge in place, without leaving the page.
  list.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("ack-form")) return;
    event.preventDefault();
    fetch(form.action, {
      method: "POST", credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": texts.csrf, "Content-Type": "application/x-www-form-urlencoded" },
      body: "_csrf=" + encodeURIComponent(texts.csrf)
    }).then(function (r) { if (r.ok) remove(form.closest(".duty-item").dataset.id); else form.submit(); });
  });

  connect();
})();
