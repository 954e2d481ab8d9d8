// yibao dashboard: sign-in in the page (the key never leaves it), the live alert feed, and the
// actions (case steps, FHIR claims) sent to the JSON and FHIR APIs with the session cookie.
"use strict";
const yibao = (() => {
  const $ = (sel) => document.querySelector(sel);
  const say = (sel, text, bad) => { const el = $(sel); if (el) { el.textContent = text; el.classList.toggle("error", !!bad); } };

  async function call(method, url, body, type) {
    const init = { method, headers: {}, credentials: "same-origin" };
    if (body !== undefined) { init.body = typeof body === "string" ? body : JSON.stringify(body); init.headers["Content-Type"] = type || "application/json"; }
    const r = await fetch(url, init);
    const text = await r.text();
    let doc = null;
    try { doc = JSON.parse(text); } catch (e) { doc = { message: text }; }
    if (!r.ok) {
      const msg = doc && (doc.message || (doc.issue && doc.issue[0] && doc.issue[0].diagnostics)) || r.statusText;
      throw new Error(`${r.status}: ${msg}`);
    }
    return doc;
  }

  async function signIn(address, sign, next) {
    const { message } = await call("GET", `/auth/challenge?address=${encodeURIComponent(address)}`);
    const signature = await sign(message);
    await call("POST", "/auth/session", { message, signature });
    location.assign(next || "/");
  }

  function signinPage() {
    const form = $("#signin-form");
    const next = form.dataset.next;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const wallet = new ethers.Wallet($("#key").value.trim());
        $("#key").value = "";
        say("#signin-status", `签名中 signing as ${wallet.address} …`);
        await signIn(wallet.address, (m) => wallet.signMessage(m), next);
      } catch (e) { say("#signin-status", e.shortMessage || e.message, true); }
    });
    if (window.ethereum) {
      const b = $("#wallet"); b.hidden = false;
      b.addEventListener("click", async () => {
        try {
          const [address] = await window.ethereum.request({ method: "eth_requestAccounts" });
          await signIn(ethers.getAddress(address), (m) => window.ethereum.request({ method: "personal_sign", params: [ethers.hexlify(ethers.toUtf8Bytes(m)), address] }), next);
        } catch (e) { say("#signin-status", e.message, true); }
      });
    }
  }

  function liveAlerts() {
    const list = $("#live-alerts");
    if (!list || !window.EventSource) return;
    const feed = new EventSource(`/api/alerts/stream?after=${list.dataset.after || 0}`);
    feed.addEventListener("alert", (ev) => {
      const a = JSON.parse(ev.data);
      const li = document.createElement("li");
      li.className = "new"; li.dataset.id = a.id;
      li.textContent = `${a.kind} · ${a.institution_name || a.institution} · ${a.time || ""}`;
      list.prepend(li);
      const n = $("#alerts-today"); if (n) n.textContent = String(Number(n.textContent) + 1);
    });
  }

  function leadsPage() {
    document.querySelectorAll("button.open-case").forEach((b) => b.addEventListener("click", async () => {
      b.disabled = true;
      try {
        const done = await call("POST", "/api/cases", { lead: Number(b.dataset.lead), institution: b.dataset.institution });
        location.assign(`/cases/${done.case}`);
      } catch (e) { say("#action-status", e.message, true); b.disabled = false; }
    }));
  }

  function casePage() {
    const box = document.querySelector(".actions");
    if (!box) return;
    const id = box.dataset.case;
    const step = async (path, body) => {
      box.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      try { await call("POST", `/api/cases/${id}/${path}`, body); location.reload(); }
      catch (e) { say("#action-status", e.message, true); box.querySelectorAll("button").forEach((b) => { b.disabled = false; }); }
    };
    const on = (sel, ev, f) => { const el = $(sel); if (el) el.addEventListener(ev, f); };
    on("#finding-form", "submit", (ev) => { ev.preventDefault(); const f = ev.target;
      step("finding", { claims: f.claims.value.split(/\s+/).filter(Boolean), code: f.code.value.trim() }); });
    on("#decide-form", "submit", (ev) => { ev.preventDefault(); const f = ev.target;
      step("decide", { article: Number(f.article.value), fine_bps: Number(f.fine_bps.value), suspend_days: Number(f.suspend_days.value) }); });
    on("#finalize-case", "click", () => step("finalize"));
    on("#close-case", "click", () => step("close"));
  }

  function sampleClaim(form) {
    const today = new Date().toISOString().slice(0, 10);
    return {
      resourceType: "Claim", status: "active", use: "claim", created: `${today}T09:00:00+08:00`,
      type: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/claim-type", code: "professional" }] },
      identifier: [{ system: "urn:hospital:invoice", value: `INV-${Date.now()}` }],
      patient: { identifier: { system: `${form.dataset.namespace}:person`, value: "0x…" } },
      provider: { identifier: { system: "urn:ietf:rfc:3986", value: form.dataset.urn } },
      priority: { coding: [{ code: "normal" }] },
      insurance: [{ sequence: 1, focal: true, coverage: { display: "basic medical insurance" } }],
      billablePeriod: { start: today },
      item: [{ sequence: 1, productOrService: { coding: [{ system: `${form.dataset.namespace}:catalogue`, code: "…" }] },
        quantity: { value: 1 }, unitPrice: { value: 10.00, currency: "CNY" } }],
    };
  }

  function hospitalPage() {
    const form = $("#fhir-form"), text = $("#fhir-claim");
    if (!text.value.trim()) text.value = JSON.stringify(sampleClaim(form), null, 2);
    const send = async (use) => {
      let claim;
      try { claim = JSON.parse(text.value); } catch (e) { say("#fhir-answer", `not JSON: ${e.message}`, true); return; }
      claim.use = use;
      try {
        const r = await call("POST", "/fhir/Claim", JSON.stringify(claim), "application/fhir+json");
        const totals = (r.total || []).map((t) => `${t.category.coding[0].code} ¥${Number(t.amount.value).toFixed(2)}`).join(" · ");  // display only: the exact amounts are the JSON below
        const errors = (r.error || []).map((e) => e.code.coding[0].code).join(", ");
        say("#fhir-answer", `${r.outcome}${r.disposition ? ": " + r.disposition : ""}${errors ? " [" + errors + "]" : ""}\n${totals}\n\n${JSON.stringify(r, null, 2)}`);
      } catch (e) { say("#fhir-answer", e.message, true); }
    };
    $("#precheck").addEventListener("click", () => send("preauthorization"));
    $("#submit-claim").addEventListener("click", () => send("claim"));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const out = $("#signout");
    if (out) out.addEventListener("click", async () => { await call("DELETE", "/auth/session"); location.assign("/signin"); });
  });
  return { signinPage, liveAlerts, leadsPage, casePage, hospitalPage };
})();
