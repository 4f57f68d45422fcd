// ЕКЦ supervisor dashboard: live queues, operators and waiting contacts from ekcd's event stream
// (/api/dashboard/stream), supervisor actions through /api/actions/*, the chart from
// /api/dashboard/history. Plain JavaScript, no build step, no libraries. docs/dashboard.md says what
// every figure means.
"use strict";

(() => {
  const TOKEN_KEY = "ekc.supervisor.token";
  const HISTORY_REFRESH_MS = 60_000;
  const RECONNECT_MIN_MS = 1_000;
  const RECONNECT_MAX_MS = 15_000;

  const QUEUE_TITLES = {
    crisis: "Кризисная линия",
    family: "Семья и дети",
    disability: "Инвалидность и уход",
    social_support: "Социальная поддержка",
    svo: "Семьи участников СВО",
    psychology: "Психологическая помощь",
    general: "Общие вопросы",
  };
  const OPERATOR_STATES = {
    OPERATOR_STATE_AVAILABLE: ["available", "свободен"],
    OPERATOR_STATE_BUSY: ["busy", "на линии"],
    OPERATOR_STATE_WRAP_UP: ["wrap_up", "постобработка"],
    OPERATOR_STATE_BREAK: ["break", "перерыв"],
    OPERATOR_STATE_NOT_RESPONDING: ["not_responding", "не отвечает"],
    OPERATOR_STATE_OFFLINE: ["offline", "не в системе"],
  };
  const PRIORITIES = {
    PRIORITY_URGENT: ["urgent", "срочный"],
    PRIORITY_HIGH: ["high", "высокий"],
    PRIORITY_NORMAL: ["normal", "обычный"],
    PRIORITY_LOW: ["low", "низкий"],
  };
  const CHANNELS = {
    CHANNEL_VOICE: "звонок",
    CHANNEL_CHAT: "чат",
    CHANNEL_PORTAL: "Госуслуги",
    CHANNEL_MESSENGER: "мессенджер",
  };
  const CONTACT_STATES = {
    CONTACT_STATE_QUEUED: "в очереди",
    CONTACT_STATE_OFFERED: "предложен оператору",
    CONTACT_STATE_CALLBACK: "ждёт обратного звонка",
  };

  const $ = (id) => document.getElementById(id);
  const queueTitle = (name) => QUEUE_TITLES[name] || name;

  // ---- formatting ----
  function duration(ms) {
    if (!(ms >= 0)) return "—";
    const s = Math.floor(ms / 1000);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    const two = (n) => String(n).padStart(2, "0");
    return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
  }
  const percent = (x) => `${Math.round(x * 100)}%`;
  const clock = (unixMs, seconds) =>
    new Date(unixMs).toLocaleTimeString("ru-RU", seconds ? {} : { hour: "2-digit", minute: "2-digit" });
  const seconds = (s) => (s > 0 ? (s < 600 ? `${s.toFixed(0)} с` : `${(s / 60).toFixed(1)} мин`) : "—");
  function slLevel(sl, ended, target) {
    if (!ended) return "none";
    if (sl >= target) return "good";
    return sl >= target - 0.1 ? "warn" : "bad";
  }
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  // ---- session ----
  const token = () => sessionStorage.getItem(TOKEN_KEY) || "";
  function showSignIn(message) {
    $("sign-in").hidden = false;
    $("sign-in-error").textContent = message || "";
    $("token").focus();
  }
  async function api(path, options = {}) {
    const response = await fetch(path, {
      ...options,
      headers: { ...(options.headers || {}), Authorization: `Bearer ${token()}` },
    });
    let body = null;
    try { body = await response.json(); } catch (_) { body = null; }
    if (response.status === 401) {
      showSignIn((body && body.error && body.error.message) || "Нужен токен супервизора");
    }
    if (!response.ok) {
      const message = (body && body.error && body.error.message) || `${response.status} ${response.statusText}`;
      throw new Error(message);
    }
    return body;
  }

  let toastTimer = 0;
  function toast(text, kind) {
    const t = $("toast");
    t.textContent = text;
    t.className = `toast show ${kind || ""}`;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.className = "toast"; }, kind === "error" ? 8000 : 4000);
  }

  // A small form for an action: resolves with the fields' values, or null when cancelled.
  function ask({ title, text, fields, ok }) {
    const dialog = $("ask");
    $("ask-title").textContent = title;
    $("ask-text").textContent = text || "";
    $("ask-ok").textContent = ok || "Выполнить";
    const inputs = {};
    $("ask-fields").replaceChildren(...fields.map((f) => {
      const id = `ask-${f.name}`;
      const input = f.options
        ? h("select", { id, name: f.name, "data-field": f.name },
          f.options.map(([value, label]) => h("option", { value, text: label, selected: value === f.value })))
        : h("input", { id, name: f.name, "data-field": f.name, type: "text", value: f.value || "",
          placeholder: f.placeholder || "", maxlength: f.max || 256 });
      inputs[f.name] = input;
      return h("div", {}, h("label", { for: id, text: f.label }), input);
    }));
    return new Promise((resolve) => {
      const finish = (value) => {
        dialog.removeEventListener("close", onClose);
        $("ask-form").removeEventListener("submit", onSubmit);
        $("ask-cancel").removeEventListener("click", onCancel);
        if (dialog.open) dialog.close();
        resolve(value);
      };
      const onSubmit = (e) => {
        e.preventDefault();
        finish(Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value.trim()])));
      };
      const onCancel = () => finish(null);
      const onClose = () => finish(null);
      dialog.addEventListener("close", onClose);
      $("ask-form").addEventListener("submit", onSubmit);
      $("ask-cancel").addEventListener("click", onCancel);
      dialog.showModal();
      const first = Object.values(inputs)[0];
      if (first) first.focus();
    });
  }

  async function act(path, request, done) {
    try {
      const answer = await api(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(request),
      });
      toast(`${done} (событие № ${answer.event_sequence})`, "ok");
      return true;
    } catch (e) {
      toast(`Не выполнено: ${e.message}`, "error");
      return false;
    }
  }

  // ---- the live snapshot ----
  let snapshot = null;
  let receivedAt = 0;  // Date.now() when `snapshot` arrived
  const elapsed = () => (snapshot ? Date.now() - receivedAt : 0);

  function setLink(state, text) {
    const l = $("link-state");
    l.dataset.state = state;
    l.textContent = text;
  }

  async function stream() {
    let backoff = RECONNECT_MIN_MS;
    for (;;) {
      if (!token()) { showSignIn(); await waitForSignIn(); }
      setLink("connecting", "подключение…");
      try {
        const response = await fetch("/api/dashboard/stream", {
          headers: { Authorization: `Bearer ${token()}`, Accept: "text/event-stream" },
          cache: "no-store",
        });
        if (response.status === 401) {
          let message = "Нужен токен супервизора";
          try { message = (await response.json()).error.message; } catch (_) { /* keep */ }
          sessionStorage.removeItem(TOKEN_KEY);
          showSignIn(message);
          continue;
        }
        if (!response.ok || !response.body) throw new Error(`${response.status}`);
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = "message";
            const data = [];
            for (const line of frame.split("\n")) {
              if (line.startsWith("event:")) event = line.slice(6).trim();
              else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
            }
            if (event === "snapshot" && data.length) {
              backoff = RECONNECT_MIN_MS;
              setLink("live", "в реальном времени");
              onSnapshot(JSON.parse(data.join("\n")));
            } else if (event === "end" && data.length) {
              const e = JSON.parse(data.join("\n"));
              toast(`Поток данных закрыт: ${e.error ? e.error.message : ""}`, "error");
            }
          }
        }
      } catch (_) { /* reconnect below */ }
      setLink("lost", "нет связи с ekcd, повтор…");
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, RECONNECT_MAX_MS);
    }
  }

  let signInWaiters = [];
  const waitForSignIn = () => new Promise((r) => signInWaiters.push(r));

  function onSnapshot(s) {
    snapshot = s;
    receivedAt = Date.now();
    renderTotals();
    renderQueues();
    renderOperators();
    renderWaiting();
    renderAudit();
    fillChartQueues();
    drawChart();
    tick();
  }

  // ---- totals ----
  function renderTotals() {
    const qs = snapshot.queues;
    let longest = 0, ended = 0, weighted = 0;
    for (const q of qs) {
      longest = Math.max(longest, Number(q.longest_wait_ms));
      ended += Number(q.ended_today);
      weighted += q.service_level_today * Number(q.ended_today);
    }
    $("total-waiting").textContent = snapshot.waiting_total;
    $("total-longest").textContent = longest > 0 ? duration(longest + elapsed()) : "—";
    $("total-sl").textContent = ended ? percent(weighted / ended) : "—";
    const count = (state) => snapshot.operators.filter((o) => o.state === state).length;
    $("total-available").textContent = count("OPERATOR_STATE_AVAILABLE");
    $("total-busy").textContent = count("OPERATOR_STATE_BUSY") + count("OPERATOR_STATE_WRAP_UP");
  }

  // ---- queue tiles: built once per queue, then only their figures change ----
  const tiles = new Map();
  function tileFor(name) {
    if (tiles.has(name)) return tiles.get(name);
    const f = {};
    const field = (key, cls) => (f[key] = h("span", { class: cls || "" }));
    const pause = h("button", {
      class: "small", type: "button", "data-testid": `pause-${name}`,
      onclick: () => {
        const q = snapshot.queues.find((x) => x.name === name);
        const paused = !(q && q.paused);
        act("/api/actions/queue-pause", { queue: name, paused },
          paused ? `Очередь «${queueTitle(name)}» приостановлена` : `Очередь «${queueTitle(name)}» возобновлена`);
      },
    });
    f.pause = pause;
    const tile = h("article", { class: "tile", "data-testid": `queue-${name}`, "data-queue": name },
      h("div", { class: "tile-head" },
        h("div", {}, h("div", { class: "tile-name", text: queueTitle(name) }), h("div", { class: "tile-code", text: name })),
        field("badge", "")),
      h("div", { class: "tile-main" },
        h("div", {}, field("waiting", "tile-waiting"), h("div", { class: "tile-waiting-label", text: "в очереди" })),
        h("div", {}, field("longest", "tile-longest"), h("div", { class: "tile-waiting-label", text: "дольше всех" }))),
      h("div", { class: "tile-sl" },
        h("div", {}, field("sl", "sl-value"), h("div", { class: "sl-caption", text: "сегодня" })),
        h("div", {}, field("sl15", "sl-value"), h("div", { class: "sl-caption", text: "за 15 мин" }))),
      h("div", { class: "tile-target" }, "цель ", field("target", "")),
      h("div", { class: "tile-figures" },
        h("div", {}, h("span", { text: "брошено" }), field("abandon", "")),
        h("div", {}, h("span", { text: "ASA" }), field("asa", "")),
        h("div", {}, h("span", { text: "AHT" }), field("aht", "")),
        h("div", {}, h("span", { text: "принято" }), field("answered", ""))),
      h("div", { class: "tile-foot" }, field("staff", ""), pause));
    const entry = { tile, f };
    tiles.set(name, entry);
    $("queues").append(tile);
    return entry;
  }
  function renderQueues() {
    for (const q of snapshot.queues) {
      const { tile, f } = tileFor(q.name);
      const level = slLevel(q.service_level_today, Number(q.ended_today), q.service_level_target);
      tile.dataset.level = level;
      tile.dataset.paused = q.paused ? "true" : "false";
      f.badge.className = q.paused ? "badge" : "";
      f.badge.textContent = q.paused ? "на паузе" : "";
      f.waiting.textContent = q.waiting + q.offered;
      f.waiting.dataset.value = q.waiting + q.offered;
      f.longest.textContent = Number(q.longest_wait_ms) > 0 ? duration(Number(q.longest_wait_ms) + elapsed()) : "—";
      f.sl.textContent = Number(q.ended_today) ? percent(q.service_level_today) : "—";
      f.sl.dataset.level = level;
      f.sl15.textContent = Number(q.ended_15min) ? percent(q.service_level_15min) : "—";
      f.sl15.dataset.level = slLevel(q.service_level_15min, Number(q.ended_15min), q.service_level_target);
      f.target.textContent = `${percent(q.service_level_target)} за ${q.service_level_threshold_s} с`;
      f.target.parentElement.title = "уровень сервиса: доля ответов в пределах порога";
      f.abandon.textContent = Number(q.ended_today) ? percent(q.abandon_rate_today) : "—";
      f.asa.textContent = seconds(q.asa_s);
      f.aht.textContent = seconds(q.aht_s);
      f.answered.textContent = `${q.answered_today}/${q.arrivals_today}`;
      f.answered.title = "принято сегодня / поступило сегодня";
      f.staff.textContent = `свободно ${q.operators_available} из ${q.operators_staffed}`;
      f.staff.title = "операторы с навыками очереди: свободны сейчас / в системе";
      f.pause.textContent = q.paused ? "Возобновить" : "Пауза";
    }
  }

  // ---- keyed table rows: a row is rebuilt only when what it shows changed ----
  function syncRows(tbody, rows, emptyText, columns) {
    const keep = new Set(rows.map((r) => r.key));
    for (const tr of [...tbody.children]) if (!keep.has(tr.dataset.key)) tr.remove();
    let previous = null;
    for (const r of rows) {
      let tr = tbody.querySelector(`tr[data-key="${CSS.escape(r.key)}"]`);
      if (!tr) {
        tr = h("tr", { "data-key": r.key });
        for (const [k, v] of Object.entries(r.attrs || {})) tr.setAttribute(k, v);
      }
      if (tr.dataset.signature !== r.signature) {
        tr.replaceChildren(...r.cells());
        tr.dataset.signature = r.signature;
      }
      if (r.refresh) r.refresh(tr);
      if (previous ? previous.nextSibling !== tr : tbody.firstChild !== tr) {
        if (previous) previous.after(tr); else tbody.prepend(tr);
      }
      previous = tr;
    }
    const empty = tbody.querySelector("tr.empty");
    if (rows.length === 0 && !empty) {
      tbody.append(h("tr", { class: "empty" }, h("td", { colspan: columns, text: emptyText })));
    } else if (rows.length > 0 && empty) {
      empty.remove();
    }
  }

  // ---- operators ----
  const STATE_ORDER = ["OPERATOR_STATE_NOT_RESPONDING", "OPERATOR_STATE_AVAILABLE", "OPERATOR_STATE_BUSY",
    "OPERATOR_STATE_WRAP_UP", "OPERATOR_STATE_BREAK", "OPERATOR_STATE_OFFLINE"];
  function statePill(o) {
    const [cls, text] = OPERATOR_STATES[o.state] || ["offline", o.state];
    const reason = o.state === "OPERATOR_STATE_BREAK" && o.break_reason ? ` · ${o.break_reason}` : "";
    return h("span", { class: `pill state-${cls}`, text: text + reason });
  }
  function renderOperators() {
    const ops = [...snapshot.operators].sort((a, b) =>
      STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) ||
      Number(a.state_since_unix_ms) - Number(b.state_since_unix_ms));
    $("operators-count").textContent = ops.length;
    const summary = $("state-summary");
    summary.replaceChildren(...STATE_ORDER.map((s) => {
      const n = ops.filter((o) => o.state === s).length;
      return n ? h("span", { class: `pill state-${OPERATOR_STATES[s][0]}`, text: `${OPERATOR_STATES[s][1]}: ${n}` }) : null;
    }).filter(Boolean));
    syncRows($("operators"), ops.map((o) => ({
      key: o.operator_id,
      attrs: { "data-operator-id": o.operator_id },
      signature: JSON.stringify([o.name, o.state, o.break_reason, o.contact_ids, o.connected, o.skills, o.state_since_unix_ms]),
      cells: () => [
        h("td", {}, h("div", { class: "op-name", text: o.name || o.operator_id }),
          h("div", { class: "op-id", text: [o.operator_id, o.office, o.region && `регион ${o.region}`].filter(Boolean).join(" · ") }),
          h("div", { class: "skills", text: o.skills.map((s) => `${s.name}${s.proficiency ? ":" + s.proficiency : ""}`).join(", ") })),
        h("td", {}, statePill(o), o.connected ? null : h("span", { class: "disconnected", text: "нет связи" }),
          o.contact_ids.length ? h("div", { class: "situations", text: `обращение ${o.contact_ids.map((id) => `№ ${id}`).join(", ")}` }) : null),
        h("td", { class: "num" }, h("span", { class: "since", "data-since": o.state_since_unix_ms })),
        h("td", {}, h("div", { class: "actions" },
          o.state !== "OPERATOR_STATE_AVAILABLE" && o.state !== "OPERATOR_STATE_BUSY" && o.state !== "OPERATOR_STATE_WRAP_UP"
            ? h("button", { class: "small", type: "button", "data-action": "available", text: "Доступен",
              onclick: () => forceState(o, "OPERATOR_STATE_AVAILABLE") }) : null,
          o.state !== "OPERATOR_STATE_BREAK"
            ? h("button", { class: "small", type: "button", "data-action": "break", text: "Перерыв",
              onclick: () => forceState(o, "OPERATOR_STATE_BREAK") }) : null,
          h("button", { class: "small", type: "button", "data-action": "offline", text: "Вывести",
            onclick: () => forceState(o, "OPERATOR_STATE_OFFLINE") }))),
      ],
    })), "Никто не вошёл в систему", 4);
  }
  async function forceState(o, state) {
    const who = o.name || o.operator_id;
    const forms = {
      OPERATOR_STATE_AVAILABLE: { title: `${who}: доступен`, text: "Оператор снова будет получать обращения.", ok: "Сделать доступным", fields: [] },
      OPERATOR_STATE_BREAK: { title: `${who}: перерыв`, text: "Оператор не будет получать обращения, пока не вернётся.", ok: "Отправить на перерыв",
        fields: [{ name: "break_reason", label: "Причина перерыва", value: "по решению супервизора", max: 64 }] },
      OPERATOR_STATE_OFFLINE: { title: `Вывести ${who} из системы?`, text: "Софтфон оператора получит сообщение, что супервизор завершил его смену. Нельзя, пока он на линии.", ok: "Вывести", fields: [] },
    };
    const form = forms[state];
    const answer = await ask({ ...form, fields: [...form.fields, { name: "note", label: "Комментарий для журнала (необязательно)", max: 256 }] });
    if (!answer) return;
    const text = { OPERATOR_STATE_AVAILABLE: "доступен", OPERATOR_STATE_BREAK: "на перерыве", OPERATOR_STATE_OFFLINE: "выведен из системы" }[state];
    await act("/api/actions/operator-state",
      { operator_id: o.operator_id, state, break_reason: answer.break_reason || "", note: answer.note }, `${who}: ${text}`);
  }

  // ---- waiting contacts ----
  function renderWaiting() {
    const byQueue = new Map(snapshot.queues.map((q) => [q.name, q]));
    $("waiting-count").textContent = snapshot.waiting_total;
    syncRows($("waiting"), snapshot.waiting.map((c) => {
      const [pcls, ptext] = PRIORITIES[c.priority] || ["normal", c.priority];
      const q = byQueue.get(c.queue);
      return {
        key: c.contact_id,
        attrs: { "data-contact-id": c.contact_id },
        signature: JSON.stringify([c.queue, c.priority, c.situations, c.state, c.region, c.channel]),
        // The wait is not in the signature (it changes with every snapshot): only its figure moves.
        refresh: (tr) => { const w = tr.querySelector("span.waited"); if (w) w.dataset.waited = c.waited_ms; },
        cells: () => [
          h("td", { class: "num", text: c.contact_id }),
          h("td", { class: "num" }, h("span", {
            class: "waited", "data-waited": c.waited_ms,
            "data-threshold": q ? q.service_level_threshold_s * 1000 : 0,
          })),
          h("td", {}, h("div", { class: "nowrap", text: queueTitle(c.queue) }),
            h("div", { class: "situations", text: (c.situation_titles.length ? c.situation_titles : c.situations).join(", ") || "без ситуации" }),
            h("div", { class: "situations" },
              [CHANNELS[c.channel], c.region && `регион ${c.region}`, c.state !== "CONTACT_STATE_QUEUED" && CONTACT_STATES[c.state]]
                .filter(Boolean).join(" · "))),
          h("td", {}, h("span", { class: `pill prio-${pcls}`, text: ptext })),
          h("td", {}, h("div", { class: "actions" },
            h("select", { class: "small", "aria-label": "Приоритет", "data-action": "priority",
              onchange: (e) => {
                act("/api/actions/priority", { contact_id: c.contact_id, priority: e.target.value },
                  `Обращение № ${c.contact_id}: приоритет «${PRIORITIES[e.target.value][1]}»`);
              } },
              Object.entries(PRIORITIES).map(([value, [, text]]) =>
                h("option", { value, text, selected: value === c.priority }))),
            h("button", { class: "small", type: "button", "data-action": "reassign", text: "Передать…", title: "Передать оператору",
              onclick: () => reassign(c) }))),
        ],
      };
    }), "Очередь пуста", 5);
  }
  async function reassign(c) {
    const order = ["OPERATOR_STATE_AVAILABLE", "OPERATOR_STATE_WRAP_UP", "OPERATOR_STATE_BUSY", "OPERATOR_STATE_BREAK", "OPERATOR_STATE_NOT_RESPONDING"];
    const ops = snapshot.operators.filter((o) => o.state !== "OPERATOR_STATE_OFFLINE")
      .sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state));
    if (!ops.length) {
      toast("Передать некому: ни один оператор не вошёл в систему", "error");
      return;
    }
    const answer = await ask({
      title: `Передать обращение № ${c.contact_id}`,
      text: "Обращение будет ждать выбранного оператора и придёт к нему, как только он сможет его принять.",
      ok: "Передать",
      fields: [
        { name: "operator_id", label: "Оператор", options: ops.map((o) => [o.operator_id,
          `${o.name || o.operator_id} (${o.operator_id}) — ${(OPERATOR_STATES[o.state] || ["", o.state])[1]}`]) },
        { name: "note", label: "Комментарий для журнала (необязательно)", max: 256 },
      ],
    });
    if (!answer) return;
    await act("/api/actions/reassign", { contact_id: c.contact_id, operator_id: answer.operator_id, note: answer.note },
      `Обращение № ${c.contact_id} передано оператору ${answer.operator_id}`);
  }

  // ---- audit ----
  function auditText(a) {
    const priority = (PRIORITIES[a.priority] || ["", a.priority])[1];
    const state = (OPERATOR_STATES[a.operator_state] || ["", a.operator_state])[1];
    switch (a.action) {
      case "reassign": return `обращение № ${a.contact_id} передано оператору ${a.operator_id}`;
      case "change_priority": return `обращение № ${a.contact_id}: приоритет «${priority}»`;
      case "force_state": return `оператор ${a.operator_id}: «${state}»${a.break_reason ? ` (${a.break_reason})` : ""}`;
      case "force_logout": return `оператор ${a.operator_id} выведен из системы`;
      case "pause_queue": return `очередь «${queueTitle(a.queue)}» приостановлена`;
      case "resume_queue": return `очередь «${queueTitle(a.queue)}» возобновлена`;
      default: return a.action;
    }
  }
  let auditSignature = "";
  function renderAudit() {
    const signature = snapshot.recent_actions.map((a) => a.event_sequence).join(",");
    if (signature === auditSignature) return;
    auditSignature = signature;
    const items = snapshot.recent_actions.map((a) => h("li", { "data-sequence": a.event_sequence },
      h("time", { text: clock(Number(a.time_unix_ms), true) }),
      h("div", {}, h("span", { class: "who", text: a.supervisor || "супервизор" }), " — ", auditText(a),
        a.note ? h("div", { class: "note", text: a.note }) : null)));
    $("audit").replaceChildren(...(items.length ? items : [h("li", { class: "empty", text: "Сегодня действий не было" })]));
  }

  // ---- the per-second tick: clocks and waits advance between snapshots ----
  function tick() {
    $("clock").textContent = clock(Date.now(), false);
    if (!snapshot) return;
    const now = Number(snapshot.time_unix_ms) + elapsed();
    for (const el of document.querySelectorAll("span.since")) {
      el.textContent = duration(now - Number(el.dataset.since));
    }
    for (const el of document.querySelectorAll("span.waited")) {
      const waited = Number(el.dataset.waited) + elapsed();
      const threshold = Number(el.dataset.threshold);
      el.textContent = duration(waited);
      el.className = `waited ${threshold && waited > threshold ? "wait-late" : threshold && waited > threshold * 0.75 ? "wait-near" : ""}`;
    }
    for (const q of snapshot.queues) {
      const t = tiles.get(q.name);
      if (t && Number(q.longest_wait_ms) > 0) t.f.longest.textContent = duration(Number(q.longest_wait_ms) + elapsed());
    }
    renderTotals();
  }

  // ---- chart ----
  let history = null;
  let historyHours = 4;
  async function loadHistory() {
    if (!token()) return;
    try {
      history = await api(`/api/dashboard/history?hours=${historyHours}`);
      drawChart();
    } catch (_) { /* the next refresh tries again */ }
  }
  function fillChartQueues() {
    const select = $("chart-queue");
    if (select.options.length) return;
    select.append(h("option", { value: "", text: "Все очереди" }));
    for (const q of snapshot.queues) select.append(h("option", { value: q.name, text: queueTitle(q.name) }));
  }
  function chartSeries() {
    const name = $("chart-queue").value;
    const queues = history.queues.filter((q) => !name || q.name === name);
    const depth = new Map();
    const sl = new Map();
    for (const q of queues) {
      for (const [t, waiting] of q.samples) depth.set(t, (depth.get(t) || 0) + waiting);
      for (const [start, , ended, level] of q.intervals) {
        const e = sl.get(start) || { ended: 0, within: 0 };
        e.ended += ended;
        e.within += level * ended;
        sl.set(start, e);
      }
    }
    const points = [...depth.entries()].sort((a, b) => a[0] - b[0]);
    if (snapshot) {
      const live = snapshot.queues.filter((q) => !name || q.name === name).reduce((n, q) => n + q.waiting + q.offered, 0);
      points.push([Number(snapshot.time_unix_ms) + elapsed(), live]);
    }
    const intervals = [...sl.entries()].filter(([, e]) => e.ended > 0)
      .map(([start, e]) => [start, e.within / e.ended]).sort((a, b) => a[0] - b[0]);
    const target = name ? queues[0] && queues[0].service_level_target : null;
    return { points, intervals, target };
  }
  function drawChart() {
    const canvas = $("chart");
    const box = canvas.parentElement.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(box.width * ratio) || canvas.height !== Math.round(box.height * ratio)) {
      canvas.width = Math.round(box.width * ratio);
      canvas.height = Math.round(box.height * ratio);
    }
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const W = box.width, H = box.height;
    g.clearRect(0, 0, W, H);
    const css = getComputedStyle(document.documentElement);
    const color = (v) => css.getPropertyValue(v).trim();
    const pad = { left: 44, right: 48, top: 12, bottom: 26 };
    const now = snapshot ? Number(snapshot.time_unix_ms) + elapsed() : Date.now();
    const from = now - historyHours * 3600_000;
    const x = (t) => pad.left + ((t - from) / (now - from)) * (W - pad.left - pad.right);
    g.font = "12px sans-serif";
    g.fillStyle = color("--muted");
    g.strokeStyle = color("--line");
    g.lineWidth = 1;
    if (!history) {
      g.fillText("Загрузка истории…", pad.left, H / 2);
      return;
    }
    const { points, intervals, target } = chartSeries();
    const maxDepth = Math.max(5, ...points.map((p) => p[1]));
    const step = Math.pow(10, Math.floor(Math.log10(maxDepth))) * (maxDepth / Math.pow(10, Math.floor(Math.log10(maxDepth))) > 5 ? 2 : 1);
    const top = Math.ceil(maxDepth / step) * step;
    const yDepth = (v) => H - pad.bottom - (v / top) * (H - pad.top - pad.bottom);
    const ySl = (v) => H - pad.bottom - v * (H - pad.top - pad.bottom);
    // grid and axes
    g.textAlign = "right";
    for (let v = 0; v <= top; v += step) {
      g.beginPath(); g.moveTo(pad.left, yDepth(v)); g.lineTo(W - pad.right, yDepth(v)); g.stroke();
      g.fillText(String(v), pad.left - 6, yDepth(v) + 4);
    }
    g.textAlign = "left";
    for (const v of [0, 0.5, 1]) g.fillText(percent(v), W - pad.right + 6, ySl(v) + 4);
    g.textAlign = "center";
    const tickMs = historyHours > 4 ? 3600_000 : 1800_000;
    for (let t = Math.ceil(from / tickMs) * tickMs; t <= now; t += tickMs) g.fillText(clock(t, false), x(t), H - 8);
    // depth area
    const visible = points.filter((p) => p[0] >= from);
    if (visible.length) {
      g.beginPath();
      g.moveTo(x(visible[0][0]), yDepth(0));
      for (const [t, v] of visible) g.lineTo(x(t), yDepth(v));
      g.lineTo(x(visible[visible.length - 1][0]), yDepth(0));
      g.closePath();
      g.fillStyle = "rgba(74, 163, 255, 0.28)";
      g.fill();
      g.beginPath();
      visible.forEach(([t, v], i) => (i ? g.lineTo(x(t), yDepth(v)) : g.moveTo(x(t), yDepth(v))));
      g.strokeStyle = color("--info");
      g.lineWidth = 2;
      g.stroke();
      const [lt, lv] = visible[visible.length - 1];
      g.fillStyle = color("--info");
      g.beginPath(); g.arc(x(lt), yDepth(lv), 4, 0, 2 * Math.PI); g.fill();
      g.font = "bold 13px sans-serif";
      g.textAlign = "right";
      g.fillText(String(lv), x(lt) - 8, yDepth(lv) - 6);
      g.font = "12px sans-serif";
      g.textAlign = "center";
    } else {
      g.fillStyle = color("--muted");
      g.fillText("Данных об очереди пока нет: ekcd записывает их раз в минуту", W / 2, H / 2);
    }
    // target
    if (target) {
      g.setLineDash([6, 5]);
      g.strokeStyle = color("--warn");
      g.lineWidth = 1.5;
      g.beginPath(); g.moveTo(pad.left, ySl(target)); g.lineTo(W - pad.right, ySl(target)); g.stroke();
      g.setLineDash([]);
    }
    // service level per interval, as steps
    g.lineWidth = 3;
    for (const [start, level] of intervals) {
      const end = Math.min(start + history.interval_ms, now);
      if (end < from) continue;
      g.strokeStyle = target && level < target ? color("--bad") : color("--good");
      g.beginPath(); g.moveTo(x(Math.max(start, from)), ySl(level)); g.lineTo(x(end), ySl(level)); g.stroke();
    }
  }

  // ---- start ----
  $("sign-in-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = $("token").value.trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    try {
      const who = await api("/api/session");
      $("whoami").textContent = who.supervisor;
      $("sign-in").hidden = true;
      $("token").value = "";
      const waiters = signInWaiters;
      signInWaiters = [];
      waiters.forEach((r) => r());
      loadHistory();
    } catch (err) {
      sessionStorage.removeItem(TOKEN_KEY);
      $("sign-in-error").textContent = err.message;
    }
  });
  $("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });
  $("chart-queue").addEventListener("change", drawChart);
  $("chart-hours").addEventListener("change", (e) => { historyHours = Number(e.target.value); loadHistory(); });
  window.addEventListener("resize", drawChart);

  if (token()) {
    api("/api/session").then((who) => { $("whoami").textContent = who.supervisor; }).catch(() => {});
    loadHistory();
  }
  setInterval(tick, 1000);
  setInterval(loadHistory, HISTORY_REFRESH_MS);
  tick();
  stream();
})();
