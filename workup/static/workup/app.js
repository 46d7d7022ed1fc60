/* Workup web app. The only JavaScript besides htmx: the Content-Security-Policy allows no inline
   script or event handler, so every behaviour lives here. Countdowns and overdue minutes are
   rendered by the server (its clock is the one that escalates) and refreshed by htmx. */
(function () {
  "use strict";

  var body = document.body;

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

  // Messages at the top of the viewport: dismissed by their button; confirmations fade by themselves.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-dismiss]");
    if (button && button.parentNode) {
      button.parentNode.remove();
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll(".toasts .message-success"), function (item) {
    setTimeout(function () {
      item.remove();
    }, 10000);
  });

  // Print buttons: <button data-print>.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // --- Sound for CRIT: opt-in. Browsers allow sound only after the user's own click, so the
  // toggle is that click; on later pages the first click or key press anywhere unlocks it.
  var SOUND_KEY = "workup.sound";
  var AudioCtx = window.AudioContext || window.webkitAudioContext;
  var audio = null;

  function soundWanted() {
    try {
      return window.localStorage.getItem(SOUND_KEY) === "on";
    } catch (error) {
      return false;
    }
  }

  function setSoundWanted(on) {
    try {
      window.localStorage.setItem(SOUND_KEY, on ? "on" : "off");
    } catch (error) {
      /* private mode: the choice lasts for this page only */
    }
  }

  function unlockAudio() {
    if (!AudioCtx) {
      return;
    }
    if (!audio) {
      audio = new AudioCtx();
    }
    if (audio.state === "suspended") {
      audio.resume();
    }
  }

  function beep() {
    if (!audio || audio.state !== "running") {
      return;
    }
    [0, 0.25].forEach(function (offset) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.frequency.value = 880;
      gain.gain.value = 0.2;
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start(audio.currentTime + offset);
      oscillator.stop(audio.currentTime + offset + 0.15);
    });
  }

  function showSoundState(button) {
    var on = soundWanted();
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "Sound for CRIT: on" : "Sound for CRIT: off";
  }

  var soundToggle = document.getElementById("sound-toggle");
  if (soundToggle && AudioCtx) {
    soundToggle.hidden = false;
    showSoundState(soundToggle);
    soundToggle.addEventListener("click", function () {
      var on = !soundWanted();
      setSoundWanted(on);
      if (on) {
        unlockAudio();
        beep();
      }
      showSoundState(soundToggle);
    });
    if (soundWanted()) {
      var unlockOnce = function () {
        unlockAudio();
        document.removeEventListener("pointerdown", unlockOnce);
        document.removeEventListener("keydown", unlockOnce);
      };
      document.addEventListener("pointerdown", unlockOnce);
      document.addEventListener("keydown", unlockOnce);
    }
  }

  // --- Live: ask /live/ every few seconds whether anything changed for this user's wards
  // (an ETag makes an unchanged answer a body-less 304). On a change: refresh the banner and the
  // board rows (elements listening for "workup:live"), the tab title, the unread count, and cue
  // the sound for a new or newly raised CRIT group. A session that ended goes to the login page
  // and comes back to this page afterwards.
  var LIVE_INTERVAL_MS = 3000;
  var liveUrl = body.getAttribute("data-live-url");
  if (!liveUrl || !window.fetch) {
    return;
  }
  var baseTitle = document.title;
  var lastStamp = body.getAttribute("data-live-stamp");
  var etag = null;
  var seenCrit = null;
  var timer = null;
  var inFlight = false;

  function toLogin() {
    var login = body.getAttribute("data-login-url") || "/accounts/login/";
    var here = window.location.pathname + window.location.search + window.location.hash;
    window.location.assign(login + "?next=" + encodeURIComponent(here));
  }

  function showTitle(open) {
    var crit = open.CRIT || 0;
    var high = open.HIGH || 0;
    var prefix = crit ? "(" + crit + ") CRIT · " : high ? "(" + high + ") HIGH · " : "";
    document.title = prefix + baseTitle;
  }

  function showUnread(unread) {
    var badge = document.getElementById("unread-count");
    if (badge && typeof unread === "number") {
      badge.textContent = String(unread);
      badge.classList.toggle("badge-unread", unread > 0);
    }
  }

  function cueForCrit(ids) {
    var fresh =
      seenCrit !== null &&
      ids.some(function (id) {
        return seenCrit.indexOf(id) < 0;
      });
    seenCrit = ids;
    if (fresh) {
      // Counted for the browser tests even where no sound may play.
      body.setAttribute("data-crit-cues", String(Number(body.getAttribute("data-crit-cues") || 0) + 1));
      if (soundWanted()) {
        beep();
      }
    }
  }

  function apply(state) {
    if (lastStamp !== null && state.stamp !== lastStamp && window.htmx) {
      window.htmx.trigger(body, "workup:live");
    }
    lastStamp = state.stamp;
    showTitle(state.open_groups || {});
    showUnread(state.unread);
    cueForCrit(state.open_crit_ids || []);
    body.setAttribute("data-live-stamp", state.stamp);
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(poll, delay);
  }

  function poll() {
    if (inFlight) {
      return;
    }
    inFlight = true;
    var headers = { Accept: "application/json", "X-Workup-Background": "1" };
    if (etag) {
      headers["If-None-Match"] = etag;
    }
    window
      .fetch(liveUrl, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) {
          toLogin();
          return null;
        }
        if (response.status !== 200) {
          return null; // 304: nothing changed; anything else: try again next time
        }
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (state) {
        if (state) {
          apply(state);
        }
      })
      .catch(function () {
        /* a network blip: the next poll tries again */
      })
      .then(function () {
        inFlight = false;
        schedule(LIVE_INTERVAL_MS);
      });
  }

  // Something changed here (an acknowledgement from the banner): look now, not in 3 s.
  body.addEventListener("workup:changed", function () {
    schedule(0);
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      schedule(0);
    }
  });
  // An htmx request whose session ended: the server answers 204 with HX-Redirect to the login
  // page, naming this page (not the fragment) as where to come back to.
  schedule(0);
})();
