-- One benchmark scenario for wrk, driven by a file the runner (bench/run.py) writes.
--
--   wrk ... -s bench/wrk/scenario.lua http://127.0.0.1:8765 -- <requests file> <cycle|once> <threads>
--
-- Each line of the file is one request: METHOD, path, body, then any number of "Name: value"
-- headers, separated by tabs. Thread i takes lines i, i+threads, i+2*threads, ... so threads never
-- send the same line. "cycle" goes round its lines for as long as wrk runs (reads); "once" sends
-- each line at most once (writes: each submission has its own order and Idempotency-Key, each
-- approval its own submitted request) and stops the thread when its lines run out (wrk still runs
-- for its whole -d and divides by it, so the runner flags such a run: its rate would be understated).
--
-- Every response is checked: anything but a 2xx counts as an error (wrk itself counts only >= 400,
-- so a redirect to the login page would pass unnoticed). The X-Reship-Queries header (the app's
-- query count, RESHIP_BENCH_QUERY_HEADER) is summed. done() prints one JSON line for the runner:
-- requests, duration, latency percentiles (microseconds, from wrk's full histogram), errors,
-- queries per request (mean, min, max).

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local function split(line)
   local fields = {}
   for field in (line .. "\t"):gmatch("([^\t]*)\t") do
      table.insert(fields, field)
   end
   return fields
end

function init(args)
   local path, nthreads = args[1], tonumber(args[3])
   mode = args[2]
   requests = {}
   local index = 0
   for line in io.lines(path) do
      if line ~= "" then
         if index % nthreads == id then
            local fields = split(line)
            local headers = {}
            for position = 4, #fields do
               local name, value = fields[position]:match("^([^:]+):%s*(.*)$")
               if name then headers[name] = value end
            end
            local body = fields[3]
            if body == "" then body = nil end
            table.insert(requests, wrk.format(fields[1], fields[2], headers, body))
         end
         index = index + 1
      end
   end
   position = 0
   ok = 0
   bad = 0
   first_bad = ""
   queries = 0
   counted = 0
   qmin = -1
   qmax = 0
   exhausted = 0
end

function request()
   position = position + 1
   if position > #requests then
      if mode == "once" then
         exhausted = 1
         wrk.thread:stop()
         position = #requests
      else
         position = 1
      end
   end
   return requests[position]
end

function response(status, headers, body)
   if status >= 200 and status < 300 then
      ok = ok + 1
   else
      bad = bad + 1
      if first_bad == "" then
         first_bad = tostring(status) .. " " .. string.sub(body or "", 1, 300)
      end
   end
   local q = tonumber(headers["X-Reship-Queries"])
   if q then
      queries = queries + q
      counted = counted + 1
      if q > qmax then qmax = q end
      if qmin < 0 or q < qmin then qmin = q end
   end
end

local function quote(text)
   text = text:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("[%c]", " ")
   return '"' .. text .. '"'
end

function done(summary, latency, requests)
   local total = { ok = 0, bad = 0, queries = 0, counted = 0, qmin = -1, qmax = 0, exhausted = 0, first_bad = "" }
   for _, thread in ipairs(threads) do
      total.ok = total.ok + thread:get("ok")
      total.bad = total.bad + thread:get("bad")
      total.queries = total.queries + thread:get("queries")
      total.counted = total.counted + thread:get("counted")
      total.exhausted = total.exhausted + thread:get("exhausted")
      local tmin, tmax = thread:get("qmin"), thread:get("qmax")
      if tmin >= 0 and (total.qmin < 0 or tmin < total.qmin) then total.qmin = tmin end
      if tmax > total.qmax then total.qmax = tmax end
      if total.first_bad == "" then total.first_bad = thread:get("first_bad") end
   end
   local errors = summary.errors
   io.write(string.format(
      'WRK_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, '
         .. '"p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, "ok": %d, "non_2xx": %d, '
         .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, '
         .. '"queries_total": %d, "queries_counted": %d, "queries_min": %d, "queries_max": %d, '
         .. '"exhausted_threads": %d, "first_error": %s}\n',
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
      latency.max, latency.mean, total.ok, total.bad,
      errors.connect, errors.read, errors.write, errors.timeout,
      total.queries, total.counted, total.qmin, total.qmax, total.exhausted, quote(total.first_bad)))
end
