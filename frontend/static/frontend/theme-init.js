// Loaded as a classic, blocking script in <head> so a stored theme applies before the first paint
// (no flash of the wrong theme). Without a stored choice the CSS follows prefers-color-scheme.
(function () {
  try {
    var theme = window.localStorage.getItem("tandem-theme");
    if (theme === "light" || theme === "dark") document.documentElement.setAttribute("data-theme", theme);
  } catch (error) {
    // Storage can be disabled; the system theme still applies.
  }
})();
