// keel's built-in dashboard: reads the read-only JSON API (/api/v1) and redraws every few seconds.
// No external resources; every value from the API is inserted as text, never as HTML.
(() => {
  const params = new URLSearchParams(location.search);
  const refreshMs = Math.max(200, Number(params.get("refresh")) || 5000);
  const decisionLimit = Math.min(100, Math.max(1, Number(params.get("decisions")) || 20));
  const palette = ["#58a6ff", "#3fb950", "#d29922", "#bc8cff", "#39c5cf", "#ff7b72", "#e3b341", "#79c0ff"];
  const SVG = "http://www.w3.org/2000/svg";
  let labels = {};
  let decimals = 18;
  let selected = null;

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "style") node.style.cssText = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  }

  function short(id) {
    if (labels[id]) return labels[id];
    return id.length > 14 && id.startsWith("0x") ? `${id.slice(0, 6)}…${id.slice(-4)}` : id;
  }

  /** Reason messages name sources by address; show their labels instead. */
  function named(text) {
    let out = String(text);
    for (const [id, name] of Object.entries(labels)) out = out.split(id).join(name);
    return out;
  }

  function units(raw, digits = 2) {
    try {
      const v = BigInt(raw);
      const neg = v < 0n;
      const abs = neg ? -v : v;
      const scale = 10n ** BigInt(decimals);
      const whole = (abs / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
      const frac = (abs % scale).toString().padStart(decimals, "0").slice(0, digits);
      return `${neg ? "-" : ""}${whole}${digits > 0 && decimals > 0 ? `.${frac}` : ""}`;
    } catch {
      return String(raw);
    }
  }

  const pct = (x, d = 1) => (typeof x === "number" && Number.isFinite(x) ? `${(x * 100).toFixed(d)}%` : "–");
  const num = (x, d = 2) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(d) : "–");
  const time = (ms) => new Date(ms).toISOString().replace("T", " ").slice(0, 19);

  function age(seconds) {
    if (seconds < 120) return `${seconds}s ago`;
    if (seconds < 7200) return `${Math.round(seconds / 60)}m ago`;
    return `${Math.round(seconds / 3600)}h ago`;
  }

  function badge(node, text, level) {
    node.textContent = text;
    node.className = `badge ${level}`;
  }

  function renderStatus(s) {
    labels = s.sourceLabels || {};
    decimals = s.vault ? s.vault.decimals : 18;
    $("chain-id").textContent = s.chainId;
    $("block").textContent = s.block ?? "–";
    $("mode").textContent = s.mode;
    $("version").textContent = s.version;
    $("config-hash").textContent = s.configHash;
    badge($("kill-switch"), s.paused ? "kill-switch PULLED" : "kill-switch armed", s.paused ? "bad" : "ok");
    const state = s.paused ? ["PAUSED", "bad"] : s.halted ? ["HALTED", "warn"] : ["RUNNING", "ok"];
    badge($("run-state"), state[0], state[1]);
    $("degraded").classList.toggle("hidden", !s.degraded);
    $("dry-run").classList.toggle("hidden", !s.dryRun);
    $("shadow-mode").classList.toggle("hidden", s.executionMode !== "shadow");
    $("last-tick-age").textContent = s.lastTick ? `${age(s.lastTick.ageSeconds)} (${s.lastTick.outcome})` : "none yet";
    $("total-assets").textContent = s.vault ? units(s.vault.totalAssets) : "–";
    $("base-symbol").textContent = s.vault ? s.vault.symbol : "";
    const bar = $("allocation-bar");
    const rows = $("allocation-rows");
    bar.replaceChildren();
    rows.replaceChildren();
    s.allocation.forEach((a, i) => {
      const color = a.sourceId === "idle" ? "#4a5561" : palette[i % palette.length];
      if (a.weight > 0)
        bar.append(
          el("div", {
            style: `width:${a.weight * 100}%;background:${color}`,
            title: `${short(a.sourceId)} ${pct(a.weight)}`,
          }),
        );
      rows.append(
        el(
          "tr",
          { "data-source": a.sourceId },
          el(
            "td",
            { title: a.sourceId },
            el("span", { class: "swatch", style: `background:${color};margin-left:0` }),
            short(a.sourceId),
          ),
          el("td", { class: "num" }, units(a.balance)),
          el("td", { class: "num" }, pct(a.weight)),
          el("td", { class: "num" }, a.targetWeight === undefined ? "–" : pct(a.targetWeight)),
        ),
      );
    });
    const reasons = $("reasons");
    reasons.replaceChildren(
      ...(s.lastReasons.length ? s.lastReasons : [{ code: "—", message: "no reasons recorded", severity: "info" }]).map(
        (r) =>
          el(
            "li",
            { class: `sev-${r.severity}` },
            el("code", {}, r.code),
            " ",
            named(r.message),
            r.sourceId && !named(r.message).includes(short(r.sourceId)) ? ` (${short(r.sourceId)})` : "",
          ),
      ),
    );
  }

  function renderVerdict(decisions) {
    const withVerdict = decisions.find((d) => d.detail?.verdict);
    const box = $("risk-metrics");
    const lists = $("risk-lists");
    box.replaceChildren();
    lists.replaceChildren();
    if (!withVerdict) {
      box.append(el("span", { class: "legend" }, "no risk verdict yet"));
      return;
    }
    const v = withVerdict.detail.verdict;
    for (const [k, val] of Object.entries(v.metrics || {})) {
      box.append(
        el(
          "div",
          { class: "metric", "data-metric": k },
          el("div", { class: "v" }, `${num(val)}%`),
          el("div", { class: "k" }, k),
        ),
      );
    }
    const caps = Object.entries(v.caps || {}).map(([id, c]) => `${short(id)} ≤ ${pct(c, 0)}`);
    const add = (k, vals) => lists.append(el("dt", {}, k), el("dd", {}, vals.length ? vals.join(", ") : "none"));
    add("caps", caps);
    add("frozen", (v.frozen || []).map(short));
    add("forced exits", (v.forcedExits || []).map(short));
    add("min idle", [pct(v.minIdleWeight, 0)]);
    add(
      "triggers",
      (v.triggers || []).map((t) => t.code),
    );
  }

  function renderForecast(f) {
    const box = $("forecast-chart");
    box.replaceChildren();
    if (!f) {
      $("forecast-meta").textContent = "none yet";
      return;
    }
    const fc = f.forecast;
    $("forecast-meta").textContent =
      `${fc.forecaster} · ${fc.horizonDays}d horizon${fc.fallbackReason ? ` · fallback: ${fc.fallbackReason}` : ""}`;
    const entries = Object.values(fc.sources);
    const observed = f.observedAprPct || {};
    const hi = Math.max(1, ...entries.map((e) => e.p90), ...Object.values(observed)) * 1.1;
    const rowH = 26;
    const left = 110;
    const width = 460;
    const plot = width - left - 60;
    const chart = svg("svg", { viewBox: `0 0 ${width} ${entries.length * rowH + 20}`, width: "100%", role: "img" });
    const x = (v) => left + (Math.max(0, v) / hi) * plot;
    entries.forEach((e, i) => {
      const y = i * rowH + 6;
      const label = svg("text", { x: 0, y: y + 13 });
      label.textContent = short(e.sourceId);
      const band = svg("rect", {
        x: x(e.p10),
        y,
        width: Math.max(2, x(e.p90) - x(e.p10)),
        height: 16,
        fill: "rgba(88,166,255,0.35)",
        "data-source": e.sourceId,
      });
      const mid = svg("line", {
        x1: x(e.p50),
        x2: x(e.p50),
        y1: y - 2,
        y2: y + 18,
        stroke: "#58a6ff",
        "stroke-width": 2,
      });
      const txt = svg("text", { x: width - 56, y: y + 13 });
      txt.textContent = `${num(e.p50)}%`;
      chart.append(label, band, mid, txt);
      if (typeof observed[e.sourceId] === "number")
        chart.append(svg("circle", { cx: x(observed[e.sourceId]), cy: y + 8, r: 4, fill: "#d29922" }));
    });
    const axis = svg("text", { x: left, y: entries.length * rowH + 16 });
    axis.textContent = `0 … ${num(hi, 1)}% APR`;
    chart.append(axis);
    box.append(chart);
  }

  function renderSkill(v) {
    const rows = $("skill-rows");
    rows.replaceChildren();
    if (!v) {
      $("skill-meta").textContent = "no tick yet";
      return;
    }
    $("skill-meta").textContent = `rolling ${v.windowDays} days of realised ${v.horizonDays}-day horizons`;
    for (const s of v.sources) {
      const served = s.scores.served;
      const ratio = served && served.maeRatio !== null ? num(served.maeRatio, 2) : "–";
      const tails = served ? `${pct(served.belowP10, 0)} / ${pct(served.aboveP90, 0)}` : "–";
      rows.append(
        el(
          "tr",
          { "data-source": s.sourceId },
          el("td", {}, short(s.sourceId)),
          el("td", { class: "mono" }, s.served),
          el("td", { class: "num" }, ratio),
          el("td", { class: "num" }, tails),
          el("td", { class: "num" }, served ? served.n : 0),
          el("td", {}, named(s.reason)),
        ),
      );
    }
  }

  function stagesCell(d) {
    const marks = { ok: "✓", halt: "×", error: "!!", skipped: "·" };
    return el("td", { class: "mono" }, d.stages.map((s) => `${s.stage}${marks[s.status] || "?"}`).join(" "));
  }

  function renderDecisions(decisions) {
    const rows = $("decision-rows");
    rows.replaceChildren();
    for (const d of decisions) {
      // The headline (the API ranks reasons by the catalogue's severity) first, then the other halt reasons.
      const head = d.headline;
      const rest = d.haltReasons.filter((r) => !head || r.code !== head.code);
      const listed = named(rest.map((r) => `${r.code}: ${r.message}`).join("; "));
      const reasonsCell = head
        ? el(
            "td",
            { "data-headline": head.code, class: `sev-${head.severity}` },
            el("strong", {}, head.code),
            `: ${named(head.message)}${listed ? `; ${listed}` : ""}`,
          )
        : el("td", {}, listed || "–");
      const tr = el(
        "tr",
        { class: "clickable", "data-id": d.id, "data-outcome": d.outcome },
        el("td", {}, time(d.startedAt)),
        el("td", { class: "mono" }, d.id),
        el("td", { class: `outcome ${d.outcome}` }, d.outcome),
        el("td", { class: "num" }, d.block ?? "–"),
        stagesCell(d),
        reasonsCell,
      );
      tr.addEventListener("click", () => showDetail(d.id));
      rows.append(tr);
    }
  }

  async function showDetail(id) {
    selected = id;
    const res = await fetch(`/api/v1/decisions/${encodeURIComponent(id)}`);
    const body = await res.json();
    $("detail-id").textContent = id;
    $("detail-json").textContent = JSON.stringify(body, null, 2);
    const box = $("decision-detail");
    box.classList.remove("hidden");
    box.open = true;
  }

  function renderPending(p) {
    $("intent-count").textContent = p.intents.length;
    $("proposal-count").textContent = p.proposals.length;
    $("intent-rows").replaceChildren(
      ...p.intents.map((i) =>
        el(
          "tr",
          { "data-id": i.id },
          el("td", { class: "mono" }, i.id),
          el("td", {}, i.state),
          el("td", {}, i.route ?? "–"),
          el("td", { class: "num" }, i.nonce ?? "–"),
          el("td", { class: "num" }, i.ageBlocks ?? "–"),
          el("td", { class: "mono" }, (i.txHashes || []).map((h) => `${h.slice(0, 10)}…`).join(" ") || "–"),
        ),
      ),
    );
    $("proposal-rows").replaceChildren(
      ...p.proposals.map((q) =>
        el(
          "tr",
          { "data-id": q.safeTxHash },
          el("td", { class: "mono", title: q.safeTxHash }, `${q.safeTxHash.slice(0, 12)}…`),
          el("td", {}, q.stale ? `${q.state} (stale)` : q.state),
          el("td", { class: "num" }, q.nonce ?? "–"),
          el("td", { class: "num" }, `${q.confirmations ?? "?"}/${q.threshold ?? "?"}`),
          el("td", {}, q.summary ?? ""),
        ),
      ),
    );
  }

  /** Shadow decisions (would have sent) and near-misses (one bound or threshold away), newest first. */
  function renderShadow(v) {
    $("shadow-meta").textContent = `${v.mode} · last ${v.decisions} decisions`;
    const row = (cells) => el("tr", {}, ...cells.map((c) => el("td", c.num ? { class: "num" } : {}, c.text ?? c)));
    const moves = (w) => w.moves.map((m) => `${m.direction} ${units(m.amount)} ${short(m.sourceId)}`).join("; ");
    $("would-rows").replaceChildren(
      ...v.wouldHave
        .slice(0, 10)
        .map((w) => row([time(w.startedAt), moves(w), w.route || "–", { num: true, text: num(w.gainToCost, 1) }])),
    );
    $("near-rows").replaceChildren(
      ...v.nearMisses.slice(0, 10).map((m) => row([time(m.startedAt), m.kind, m.code, named(m.message)])),
    );
  }

  async function getJson(path, allow404) {
    const res = await fetch(path, { cache: "no-store" });
    if (allow404 && res.status === 404) return null;
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res.json();
  }

  async function refresh() {
    const results = await Promise.allSettled([
      getJson("/api/v1/status"),
      getJson(`/api/v1/decisions?limit=${decisionLimit}`),
      getJson("/api/v1/forecast", true),
      getJson("/api/v1/pending"),
      getJson("/api/v1/skill", true),
      getJson("/api/v1/shadow?limit=200"),
    ]);
    const [status, decisions, forecast, pending, skill, shadow] = results;
    const errors = results.filter((r) => r.status === "rejected").map((r) => String(r.reason?.message));
    if (status.status === "fulfilled") renderStatus(status.value);
    if (decisions.status === "fulfilled") {
      renderDecisions(decisions.value.decisions);
      renderVerdict(decisions.value.decisions);
    }
    if (forecast.status === "fulfilled") renderForecast(forecast.value);
    if (pending.status === "fulfilled") renderPending(pending.value);
    if (skill.status === "fulfilled") renderSkill(skill.value);
    if (shadow.status === "fulfilled") renderShadow(shadow.value);
    const banner = $("error");
    banner.textContent = errors.length ? `cannot reach keel: ${errors.join("; ")}` : "";
    banner.classList.toggle("hidden", errors.length === 0);
    if (errors.length === 0) $("updated").textContent = new Date().toLocaleTimeString();
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || "0") + 1);
    if (selected && decisions.status === "fulfilled" && !decisions.value.decisions.some((d) => d.id === selected))
      selected = null;
  }

  async function loop() {
    try {
      await refresh();
    } finally {
      setTimeout(loop, refreshMs);
    }
  }
  loop();
})();
