"""Minor page faults and latency per login: 30 sequential logins against one process.

Used for docs/benchmarks.md, "Logins: why one phase was faster". Linux only (/proc).

usage: login-faults.py BINARY LABEL SCENARIO
  SCENARIO fresh:   a new database; register (the process's first hash), then 30 logins
  SCENARIO restart: register in one process, stop it, start a new process on the same
                    database: the new process's first hash is a login
"""
import http.client, json, os, signal, socket, subprocess, sys, tempfile, time

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def start(binary, db, port):
    env = dict(os.environ, PORT=str(port), DATABASE_URL=f"sqlite://{db}?mode=rwc",
               JWT_SECRET="x" * 48, RATE_LIMIT_PER_SECOND="0", RUST_LOG="error")
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2); c.request("GET", "/health")
            if c.getresponse().status == 200: return proc
        except OSError: pass
        time.sleep(0.05)
    raise SystemExit("no health")

def minflt(pid):
    with open(f"/proc/{pid}/stat") as f: stat = f.read()
    return int(stat.rsplit(")", 1)[1].split()[7])  # field 10: minflt

def post(conn, path, body):
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    r = conn.getresponse(); r.read(); return r.status

binary, label, scenario = sys.argv[1:4]
tmp = tempfile.mkdtemp(); db = os.path.join(tmp, "db.sqlite3")
user = {"email": "pf@example.com", "username": "pfuser", "password": "benchmark-password"}
port = free_port(); proc = start(binary, db, port)
conn = http.client.HTTPConnection("127.0.0.1", port)
assert post(conn, "/api/v1/auth/register", user) == 201
if scenario == "restart":
    conn.close(); proc.send_signal(signal.SIGTERM); proc.wait()
    port = free_port(); proc = start(binary, db, port)
    conn = http.client.HTTPConnection("127.0.0.1", port)
faults, ms = [], []
for i in range(30):
    before = minflt(proc.pid); t = time.perf_counter()
    assert post(conn, "/api/v1/auth/login", {"username": "pfuser", "password": "benchmark-password"}) == 200
    ms.append((time.perf_counter() - t) * 1000); faults.append(minflt(proc.pid) - before)
proc.send_signal(signal.SIGTERM); proc.wait()
s = sorted(ms); rest = faults[1:]
print(f"{label:<28} {scenario:<8} faults/login first={faults[0]} median(2-30)={sorted(rest)[len(rest)//2]} "
      f"mean(2-30)={sum(rest)/len(rest):.0f} | ms p50={s[15]:.1f} min={s[0]:.1f} max={s[-1]:.1f} mean={sum(ms)/30:.1f}")
print("   faults:", faults)
print("   ms:", [round(x, 1) for x in ms])
