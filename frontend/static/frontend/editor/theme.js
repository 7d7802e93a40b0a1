// Colours the canvas draws with, read from the page's CSS variables so the stage follows light and dark.

const VARIABLES = {
  accent: "--accent",
  accentSoft: "--accent-soft",
  surface: "--surface",
  text: "--text",
  muted: "--muted",
};

export function readTheme() {
  const style = getComputedStyle(document.documentElement);
  const theme = {};
  for (const [name, variable] of Object.entries(VARIABLES))
    theme[name] = style.getPropertyValue(variable).trim() || "#888888";
  return theme;
}

/** Call `listener` whenever the theme changes (the toggle or the system setting). Returns a remover. */
export function onThemeChange(listener) {
  const observer = new MutationObserver(() => listener(readTheme()));
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  const onMedia = () => listener(readTheme());
  media.addEventListener("change", onMedia);
  return () => {
    observer.disconnect();
    media.removeEventListener("change", onMedia);
  };
}
