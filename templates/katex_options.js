// KaTeX's options for the deck and the reading view alike.
// \htmlData marks which parameter each symbol of an equation is, for the linked views.
trust: (context) => context.command === "\\htmlData",
strict: (code) => (code === "htmlExtension" ? "ignore" : "warn"),
delimiters: [
  { left: "\\[", right: "\\]", display: true },
  { left: "\\(", right: "\\)", display: false },
],
