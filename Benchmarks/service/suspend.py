"""The suspended-runs load test (Benchmarks/service/run): starts RUNS runs of an agent whose
host call waits on the slow loopback API, all at once, then watches the server until all
have returned. Reports the most runs suspended in host calls at once, the server's threads
and resident memory before and at the peak, bytes per suspended run, and how every run ended.
Standard library only: raw HTTP/1.1 over keep-alive connections."""
import argparse
import asyncio
import json
import re
import time


async def request(reader, writer, method, path, key, body=None):
    data = json.dumps(body).encode() if body is not None else b""
    writer.write(
        f"{method} {path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {key}\r\ncontent-length: {len(data)}\r\n\r\n".encode()
        + data)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    return status, await reader.readexactly(length)


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["Threads"])


def metric(text, name):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--runs", type=int, default=10000)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--timeout", type=float, default=300)
    args = p.parse_args()
    rss_before, threads_before = proc_status(args.pid)
    reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
    _, text = await request(reader, writer, "GET", "/metrics", args.key)
    finished_before = int(metric(text.decode(), "corral_runs_total"))

    ids, refused = [], 0
    queue = list(range(args.runs))

    async def starter():
        nonlocal refused
        reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
        while queue:
            i = queue.pop()
            status, body = await request(reader, writer, "POST", "/v1/agents/slow/runs", args.key, {"input": i})
            if status in (200, 202):
                ids.append(json.loads(body)["id"])
            else:
                refused += 1
        writer.close()

    began = time.monotonic()
    await asyncio.gather(*(starter() for _ in range(args.connections)))
    started_in = time.monotonic() - began

    peak_suspended, peak_rss, peak_threads, finished = 0, rss_before, threads_before, 0
    while time.monotonic() - began < args.timeout:
        _, text = await request(reader, writer, "GET", "/metrics", args.key)
        text = text.decode()
        suspended = int(metric(text, "corral_runs_in_host_calls"))
        finished = int(metric(text, "corral_runs_total")) - finished_before
        rss, threads = proc_status(args.pid)
        if suspended >= peak_suspended:
            peak_suspended, peak_rss = suspended, max(peak_rss, rss)
        peak_threads = max(peak_threads, threads)
        if finished >= len(ids):
            break
        await asyncio.sleep(0.05)
    elapsed = time.monotonic() - began

    outcomes = {}
    for run_id in ids:
        _, body = await request(reader, writer, "GET", f"/v1/runs/{run_id}", args.key)
        run = json.loads(body)
        word = run["status"] + ("" if run["trap"] is None else ":" + run["trap"]["reason"])
        outcomes[word] = outcomes.get(word, 0) + 1
    writer.close()

    print(f"runs started: {len(ids)} in {started_in:.2f} s ({refused} refused)")
    print(f"most suspended in host calls at once: {peak_suspended}")
    print(f"all ended after {elapsed:.2f} s: {json.dumps(outcomes)}")
    print(f"server threads: {threads_before} before, at most {peak_threads}")
    print(f"server RSS: {rss_before / 2**20:.1f} MiB before, {peak_rss / 2**20:.1f} MiB at the peak")
    if peak_suspended:
        print(f"bytes per suspended run: {(peak_rss - rss_before) / peak_suspended:.0f}")


asyncio.run(main())
