-- wrk script for bench/agent_load.sh: POST /v1/score, one distinct, realistic
-- transaction per request.
--
--   wrk ... -s bench/agent_load.lua <url> -- model=NAME [accounts=N] [pool=N] [seed=N]
--           [csv=PATH key=COLUMN time=COLUMN cols=a,b,c]   (template-driven models)
--
-- crnn models (columns step, type, amount, nameOrig, oldbalanceOrg, nameDest,
-- and for crnn-paper the balances of both sides): a PaySim-like generator, the
-- same shape as bench/bench_rows.h: PaySim's type mix (CASH_IN 22, CASH_OUT 35,
-- DEBIT 1, PAYMENT 34, TRANSFER 8), log-normal amounts per type, payers drawn
-- uniformly from `accounts` accounts (default 50,000) whose balances evolve,
-- merchant payees (M...) for PAYMENT, ~40 transactions per simulated hour.
--
-- Other models (lstm_attn-sme, lle_svm-listed): rows of an example CSV are
-- templates; the key column is replaced by one of `accounts` ids, numbers get
-- +-20 % noise and the time column moves forward per key.
--
-- Each wrk thread owns its own Lua state: it seeds its own generator, draws
-- payers from its own slice of the account pool (account % threads == id), and
-- prepares `pool` requests (default 30,000) in init(), so that request() only
-- hands out a prepared string and wrk's share of the CPUs stays small (it
-- shares the machine with the agent). Past `pool` requests a thread starts over
-- its list (the transactions repeat, the windows keep growing).
--
-- done() prints one machine-readable line (AGENT_LOAD ...) and exits with
-- status 3 if any request got a non-2xx answer or a socket error, so the
-- caller fails. wrk counts statuses > 399 as `errors.status` ("Non-2xx or 3xx
-- responses" in its report); response() is not defined on purpose: defining it
-- makes wrk hand every response's headers and body to Lua, which costs CPU
-- that the agent needs.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function parse_args(args)
  local o = {}
  for _, a in ipairs(args) do
    local k, v = a:match("^([%w_]+)=(.*)$")
    if not k then error("agent_load.lua: bad argument '" .. a .. "' (want key=value)") end
    o[k] = v
  end
  return o
end

local function normal()
  -- Box-Muller
  local u1, u2 = math.random(), math.random()
  if u1 < 1e-12 then u1 = 1e-12 end
  return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)
end

local function round2(x) return math.floor(x * 100 + 0.5) / 100 end

-- JSON string escaping for template text (the generator's own text needs none).
local function jstr(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

local requests = {}
local next_request = 1

-- crnn: PaySim-like transactions ------------------------------------------
local TYPES = {"CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER"}
local TYPE_CUM = {22, 57, 58, 92, 100}
local LOG_AMOUNT = {11.5, 11.5, 8.0, 8.5, 12.5}

local function build_crnn(o, id, nthreads)
  local model = o.model
  local paper = model:find("paper") ~= nil
  local accounts = tonumber(o.accounts or "50000")
  local pool = tonumber(o.pool or "30000")
  local balance = {}
  local k = 0
  for i = 1, pool do
    -- this thread's slice of the account pool
    local slots = math.floor((accounts - 1 - id) / nthreads) + 1
    local a = id + nthreads * (math.random(slots) - 1)
    local b = balance[a]
    if b == nil then
      b = (math.random() < 0.3) and 0 or round2(math.exp(10 + 2 * normal()))
    end
    local r, t = math.random(100), 1
    while r > TYPE_CUM[t] do t = t + 1 end
    local amount = round2(math.exp(LOG_AMOUNT[t] + normal()))
    local old = b
    local new = (t == 1) and (old + amount) or math.max(old - amount, 0)
    balance[a] = round2(new)
    local payment = (t == 4)
    local dest = (payment and "M" or "C") .. tostring(1000000000 + math.random(0, 999999999))
    local step = 1 + math.floor((k * nthreads + id) / 40)
    k = k + 1
    local body
    if paper then
      local old_dest = payment and 0 or round2(math.exp(11 + 2 * normal()))
      local new_dest = payment and 0 or ((t == 1) and math.max(old_dest - amount, 0) or round2(old_dest + amount))
      body = string.format(
        '{"model":"%s","transaction":{"step":%d,"type":"%s","amount":%.2f,"oldbalanceOrg":%.2f,' ..
        '"newbalanceOrig":%.2f,"oldbalanceDest":%.2f,"newbalanceDest":%.2f,"isFlaggedFraud":0}}',
        model, step, TYPES[t], amount, old, new, old_dest, new_dest)
    else
      body = string.format(
        '{"model":"%s","transaction":{"step":%d,"type":"%s","amount":%.2f,"nameOrig":"C%d",' ..
        '"oldbalanceOrg":%.2f,"nameDest":"%s"}}',
        model, step, TYPES[t], amount, 1000000000 + 7919 * a, old, dest)
    end
    requests[i] = wrk.format("POST", "/v1/score", nil, body)
  end
end

-- template-driven models ---------------------------------------------------
local function split(s, sep)
  local out = {}
  for f in (s .. sep):gmatch("(.-)" .. sep) do table.insert(out, f) end
  return out
end

local function build_from_csv(o, id, nthreads)
  local file = assert(io.open(o.csv, "r"), "agent_load.lua: cannot open " .. tostring(o.csv))
  local header = split(file:read("*l"), ",")
  local index = {}
  for i, h in ipairs(header) do index[h] = i end
  local cols = split(o.cols, ",")
  for _, c in ipairs(cols) do
    if not index[c] then error("agent_load.lua: " .. o.csv .. " has no column " .. c) end
  end
  local rows = {}
  for line in file:lines() do
    if #line > 0 then table.insert(rows, split(line, ",")) end
  end
  file:close()
  local accounts = tonumber(o.accounts or "50000")
  local pool = tonumber(o.pool or "30000")
  local prefix = o.prefix or "K"
  local last_time = {}
  for i = 1, pool do
    local slots = math.floor((accounts - 1 - id) / nthreads) + 1
    local a = id + nthreads * (math.random(slots) - 1)
    local row = rows[math.random(#rows)]
    local parts = {}
    for _, c in ipairs(cols) do
      local v = row[index[c]]
      local text
      if c == o.key then
        text = jstr(string.format("%s%06d", prefix, a))
      elseif c == o.time then
        local t = (last_time[a] or tonumber(v) or 0) + (o.time_step and tonumber(o.time_step) or 1)
        last_time[a] = t
        text = string.format("%.6g", t)
      elseif v == nil or v == "" then
        text = "null"
      elseif tonumber(v) ~= nil then
        local x = tonumber(v)
        if x ~= 0 then x = x * (0.8 + 0.4 * math.random()) end
        text = string.format("%.6g", x)
      else
        text = jstr(v)
      end
      table.insert(parts, jstr(c) .. ":" .. text)
    end
    local body = string.format('{"model":"%s","transaction":{%s}}', o.model, table.concat(parts, ","))
    requests[i] = wrk.format("POST", "/v1/score", nil, body)
  end
end

function init(args)
  local o = parse_args(args)
  if not o.model then error("agent_load.lua: model=NAME is required") end
  local nthreads = tonumber(o.threads or "1")
  local id = tonumber(wrk.thread:get("id") or "0")
  math.randomseed(tonumber(o.seed or "20240607") + 7919 * id)
  wrk.headers["Content-Type"] = "application/json"
  if o.csv then build_from_csv(o, id, nthreads) else build_crnn(o, id, nthreads) end
  if o.dump and id == 0 then io.stderr:write(requests[1], "\n") end
end

function request()
  local r = requests[next_request]
  next_request = next_request + 1
  if next_request > #requests then next_request = 1 end
  return r
end

function done(summary, latency, requests_)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local socket = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    "AGENT_LOAD requests=%d seconds=%.3f rps=%.1f mean_us=%.1f p50_us=%d p90_us=%d p99_us=%d p999_us=%d " ..
    "max_us=%d non2xx=%d socket_errors=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency.mean,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, e.status, socket, e.connect, e.read, e.write, e.timeout))
  io.stdout:flush()
  if e.status > 0 or socket > 0 then os.exit(3) end
end
