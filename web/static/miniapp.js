/*
 * The Mini App's first page: sign in with the initData Telegram gives it, then go on.
 *
 * Telegram opens the page with `#tgWebAppData=<initData>&tgWebAppThemeParams=...` after the
 * address (core.telegram.org/bots/webapps); reading it here needs no script from
 * telegram.org, which the Content-Security-Policy would refuse. The server checks the
 * signature and answers with a session cookie and the page to open, or with a sentence in
 * the person's language that this page shows.
 */
(function () {
  "use strict";

  var status = document.getElementById("status");
  var launch = new URLSearchParams(window.location.hash.slice(1));
  var initData = launch.get("tgWebAppData");

  function refuse(message) {
    status.textContent = message || status.dataset.failed;
    document.body.dataset.state = "refused";
  }

  // The colours of the person's Telegram theme, kept for the pages that follow.
  try {
    var theme = launch.get("tgWebAppThemeParams");
    if (theme) {
      window.sessionStorage.setItem("ayil-theme", theme);
    }
  } catch (ignored) {
    // A theme is a nicety: no storage, no theme.
  }

  if (!initData) {
    refuse(status.dataset.missing);
    return;
  }
  // The data is a credential: it leaves the address bar before anything else happens.
  window.history.replaceState(null, "", window.location.pathname);
  fetch("/auth/webapp", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ init_data: initData }),
  })
    .then(function (response) {
      return response.json().then(function (body) {
        return { ok: response.ok, body: body };
      });
    })
    .then(function (answer) {
      if (answer.ok) {
        document.body.dataset.state = "signed-in";
        window.location.replace(answer.body.next);
      } else {
        refuse(answer.body.error);
      }
    })
    .catch(function () {
      refuse();
    });
})();
