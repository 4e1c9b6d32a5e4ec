// Search result clicks (search/analytics.py). Result links point at the documents themselves; a link of a
// logged search carries `ping` and `data-click-ping` (the same signed URL). Without JavaScript the
// browser's own <a ping> reports the click (where pings are enabled); with it, navigator.sendBeacon does
// (also in browsers that disable pings) and the ping attribute goes, so a click is reported once. Without
// either, nothing is counted. Navigation never waits for the report.
(() => {
  if (typeof navigator.sendBeacon !== "function") return;
  const links = document.querySelectorAll("a[data-click-ping]");
  links.forEach((link) => link.removeAttribute("ping"));
  const reported = new WeakSet();
  const report = (event) => {
    if (event.type === "auxclick" && event.button !== 1) return; // middle click opens a new tab
    const link = event.target.closest?.("a[data-click-ping]");
    if (!link || reported.has(link)) return;
    reported.add(link);
    navigator.sendBeacon(link.dataset.clickPing, "PING");
  };
  document.addEventListener("click", report);
  document.addEventListener("auxclick", report);
})();
