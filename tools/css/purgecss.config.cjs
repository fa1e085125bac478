// PurgeCSS settings for `make css`: Pico CSS reduced to the selectors Chợ Live's templates and scripts use.
// The output, app/static/css/pico.css, is committed; nothing is built when the app runs.
module.exports = {
  css: [process.env.PICO_BUILT || "instance/pico-built.css"],
  content: ["app/**/templates/**/*.html", "app/static/js/*.js", "app/*/static/*.js", "app/**/*.py"],
  // Kept whatever the scan finds: states set by the browser or by scripts at run time.
  safelist: {
    standard: [/^aria-/, /^role$/],
    // Input types come from WTForms field classes, not from the templates.
    greedy: [/aria-(invalid|busy|current|expanded|selected|checked|disabled)/, /\[open\]/, /\[type=/],
  },
  fontFace: false,
  keyframes: false,
  variables: true,
  rejected: false,
};
