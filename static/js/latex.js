// Renders the small LaTeX subset of formulas and update rules as DOM text with <sup>/<sub>.
// Plain text, no eval, no innerHTML: good enough to read, no typesetting engine needed.

const SYMBOLS = {
  alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ",
  eta: "η", theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π", rho: "ρ",
  sigma: "σ", tau: "τ", phi: "φ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω", Gamma: "Γ",
  Delta: "Δ", Theta: "Θ", Lambda: "Λ", Sigma: "Σ", Phi: "Φ", Omega: "Ω", nabla: "∇",
  partial: "∂", sum: "Σ", prod: "Π", cdot: "·", times: "×", odot: "⊙", circ: "∘", pm: "±",
  mp: "∓", le: "≤", leq: "≤", ge: "≥", geq: "≥", neq: "≠", ne: "≠", approx: "≈", infty: "∞",
  leftarrow: "←", gets: "←", rightarrow: "→", to: "→", Leftarrow: "⇐", Rightarrow: "⇒",
  ldots: "…", cdots: "⋯", dots: "…", Vert: "‖", lVert: "‖", rVert: "‖", vert: "|", lvert: "|",
  rvert: "|", mid: "|", in: "∈", quad: "\u2003", qquad: "\u2003\u2003", langle: "⟨",
  rangle: "⟩", lfloor: "⌊", rfloor: "⌋", lceil: "⌈", rceil: "⌉", sqrt: "√",
};
const SPACES = { ",": "\u2009", ";": "\u2005", ":": "\u2005", "!": "", " ": " " };
const WORDS = new Set([
  "sin", "cos", "tan", "exp", "log", "ln", "max", "min", "sign", "tanh", "sgn", "arg",
  "argmin", "argmax", "lim", "sup", "inf", "det",
]);
const TEXT_COMMANDS = new Set([
  "text", "mathrm", "operatorname", "textrm", "mathit", "mathbf", "boldsymbol", "mathbb",
  "mathcal", "textbf", "textit", "bm",
]);
const ACCENTS = { hat: "\u0302", widehat: "\u0302", bar: "\u0304", overline: "\u0305",
  tilde: "\u0303", vec: "\u20D7", dot: "\u0307" };
const SIZERS = new Set(["left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl",
  "Bigr", "biggl", "biggr", "displaystyle", "limits", "nolimits"]);

class Parser {
  constructor(src) {
    this.src = src;
    this.pos = 0;
  }

  sequence(closing) {
    const nodes = [];
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === closing) {
        this.pos += 1;
        return nodes;
      }
      nodes.push(...this.atom());
    }
    return nodes;
  }

  argument() {
    while (this.src[this.pos] === " ") this.pos += 1;
    if (this.src[this.pos] === "{") {
      this.pos += 1;
      return this.sequence("}");
    }
    return this.pos < this.src.length ? this.atom() : [];
  }

  atom() {
    const c = this.src[this.pos];
    this.pos += 1;
    if (c === "{") return [{ group: this.sequence("}") }];
    if (c === "^" || c === "_") return [{ script: c === "^" ? "sup" : "sub", nodes: this.argument() }];
    if (c === "&") return [];
    if (c === "~") return [" "];
    if (c === "\\") return this.command();
    if (/\s/.test(c)) return [" "];
    return [c];
  }

  command() {
    const rest = this.src.slice(this.pos);
    const word = /^[A-Za-z]+/.exec(rest);
    if (!word) {
      const symbol = rest[0] || "";
      this.pos += 1;
      if (symbol === "\\") return [{ newline: true }];
      return [symbol in SPACES ? SPACES[symbol] : symbol];
    }
    const name = word[0];
    this.pos += name.length;
    if (name === "frac" || name === "dfrac" || name === "tfrac") {
      return [{ frac: [this.argument(), this.argument()] }];
    }
    if (name === "sqrt") return [{ sqrt: this.argument() }];
    if (name === "begin" || name === "end") {
      this.argument();
      return [];
    }
    if (name in ACCENTS) return [{ accent: ACCENTS[name], nodes: this.argument() }];
    if (TEXT_COMMANDS.has(name)) return [{ group: this.argument() }];
    if (SIZERS.has(name)) {
      if (this.src[this.pos] === ".") this.pos += 1;
      return [];
    }
    if (name in SYMBOLS) return [SYMBOLS[name]];
    if (WORDS.has(name)) return [name === "sgn" ? "sign" : name, "\u2009"];
    return [name];
  }
}

function isSimple(nodes) {
  const text = plainText(nodes);
  return text.length <= 1 || /^[\w.]+$/.test(text);
}

function plainText(nodes) {
  return nodes.map((n) => (typeof n === "string" ? n : plainText(n.group || n.nodes || []))).join("").trim();
}

function render(nodes, parent) {
  for (const node of nodes) {
    if (typeof node === "string") {
      parent.append(node);
    } else if (node.newline) {
      parent.append(document.createElement("br"));
    } else if (node.group) {
      render(node.group, parent);
    } else if (node.script) {
      const el = document.createElement(node.script);
      render(node.nodes, el);
      parent.append(el);
    } else if (node.frac) {
      const [num, den] = node.frac;
      renderWrapped(num, parent);
      parent.append("/");
      renderWrapped(den, parent);
    } else if (node.sqrt) {
      parent.append("√");
      renderWrapped(node.sqrt, parent);
    } else if (node.accent) {
      render(node.nodes, parent);
      parent.append(node.accent);
    }
  }
}

function renderWrapped(nodes, parent) {
  const simple = isSimple(nodes);
  if (!simple) parent.append("(");
  render(nodes, parent);
  if (!simple) parent.append(")");
}

/** Fills `element` with a readable rendering of the LaTeX `source`. */
export function renderLatex(element, source) {
  element.replaceChildren();
  const nodes = new Parser(String(source || "")).sequence(null);
  render(nodes, element);
  element.normalize();
  element.title = source || "";
}
