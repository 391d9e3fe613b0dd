/** The `/jobs/:name?token=…` page: a progress bar over the tracker's WebSocket, in plain browser JavaScript. */
export const JOB_PAGE = `<!doctype html>
<meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Job progress</title>
<h1 id="job"></h1>
<progress id="bar" max="100" value="0" style="width:100%"></progress>
<p id="status">connecting…</p>
<ol id="history"></ol>
<script type="module">
const name = location.pathname.split("/").pop();
const token = new URLSearchParams(location.search).get("token") ?? "";
document.getElementById("job").textContent = decodeURIComponent(name);
const socket = new WebSocket(location.origin.replace(/^http/, "ws") + "/agents/job-tracker/" + name + "?token=" + encodeURIComponent(token));
socket.onmessage = (message) => {
  const frame = JSON.parse(message.data);
  if (frame.type !== "cf_agent_state") return;
  const job = frame.state;
  document.getElementById("bar").value = job.progress ?? 0;
  document.getElementById("status").textContent = (job.status ?? "waiting") + " · " + (job.progress ?? 0) + "%";
  document.getElementById("history").replaceChildren(...job.history.map((entry) =>
    Object.assign(document.createElement("li"), { textContent: entry.status + " " + (entry.progress ?? "") + " (" + entry.outcome + ")" })));
};
socket.onclose = (event) => { document.getElementById("status").textContent += " · disconnected (" + event.code + ")"; };
</script>
`;
