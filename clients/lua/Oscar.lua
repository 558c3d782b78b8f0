--- Oscar's Lua client: ask an Oscar server for parameters to try, report the results.
--
--     local Oscar = require('Oscar')
--     local scientist = Oscar('API_ACCESS_TOKEN')            -- or Oscar(token, url)
--     local job = scientist:suggest({name = 'Square', parameters = {x = {min = -10, max = 10}}})
--     scientist:update(job, {loss = job.x ^ 2})
--
-- Runs on Lua 5.1, LuaJIT and Lua 5.2-5.4 with luasocket and lua-cjson (luasec for https://).
-- Errors are Lua errors whose message ends with the server's code in brackets, e.g.
-- "Oscar: Invalid API token [UNAUTHENTICATED]"; `Oscar.code(err)` reads it back.

local http = require('socket.http')
local socket = require('socket')
local ltn12 = require('ltn12')
-- A cjson instance of our own: its settings do not leak into the program's. It decodes, and escapes
-- strings; `encode` below writes the rest (lua-cjson keeps at most 14 significant digits of a number).
local json = require('cjson').new()

local Oscar = { VERSION = '0.1.0', DEFAULT_URL = 'http://localhost:4000/graphql' }

local SUGGEST = 'mutation Suggest($experiment: ExperimentInput!, $worker: String, $instance: String, $requestId: String) {'
  .. ' suggest(experiment: $experiment, worker: $worker, instance: $instance, requestId: $requestId)'
  .. ' { id number params checkpoint experiment { id name leaseSeconds } } }'
local UPDATE = 'mutation Update($trialId: ID!, $result: JSON!) { update(trialId: $trialId, result: $result) { id number state loss error } }'
local FAIL = 'mutation Fail($trialId: ID!, $error: String!, $metrics: JSON) { fail(trialId: $trialId, error: $error, metrics: $metrics) { id number state loss error } }'
local HEARTBEAT = 'mutation Heartbeat($trialId: ID!) { heartbeat(trialId: $trialId) { id state leaseExpiresAt } }'
local RELEASE = 'mutation Release($trialId: ID!) { release(trialId: $trialId) { id state } }'
local CHECKPOINT = 'mutation Checkpoint($trialId: ID!, $data: JSON!) { checkpoint(trialId: $trialId, data: $data) { id state checkpoint checkpointAt leaseExpiresAt } }'
local REPORT = 'mutation Report($trialId: ID!, $step: Int!, $value: Float!, $metrics: JSON) { report(trialId: $trialId, step: $step, value: $value, metrics: $metrics) { shouldStop trial { id state prunedStep } } }'
local ENQUEUE = 'mutation Enqueue($experiment: ExperimentInput, $experimentName: String, $params: JSON!, $requestId: String) {'
  .. ' enqueue(experiment: $experiment, experimentName: $experimentName, params: $params, requestId: $requestId) { id place params } }'
-- The most JSON text a checkpoint record may take (the server refuses more).
local MAX_CHECKPOINT_BYTES = 16 * 1024
-- The largest step a report may name (the server refuses more).
local MAX_STEP = 1000000000

-- The keys of an experiment table, and their GraphQL names.
local EXPERIMENT_FIELDS = {
  name = 'name', description = 'description', parameters = 'parameters', resume = 'resume',
  algorithm = 'algorithm', seed = 'seed', lease_seconds = 'leaseSeconds', max_trials = 'maxTrials', pruner = 'pruner',
  max_retries = 'maxRetries', objectives = 'objectives', constraints = 'constraints',
}
local FIRST_DELAY, MAX_DELAY = 0.5, 10 -- seconds between retries: doubling, capped
local MAX_RETRY_AFTER = 60 -- the longest wait a server's Retry-After is followed for (longer ones are cut to this)
local RETRY_STATUSES = { [429] = true, [502] = true, [503] = true, [504] = true }
local RETRY_CODES = { DATABASE_BUSY = true, SERVER_BUSY = true, RATE_LIMITED = true }

-- What the client knows of each job it handed out (weak keys: a forgotten job is collected).
local trials = setmetatable({}, { __mode = 'k' })
-- A job's metatable: `job.checkpoint` reads its latest checkpoint record, `job.pruned` whether the
-- experiment's pruner stopped it (a parameter of either name wins).
local JOB = { __index = function(job, key)
  local trial = trials[job]
  if key == 'checkpoint' then return trial and trial.checkpoint end
  if key == 'pruned' then return trial ~= nil and trial.pruned == true end
end }
local instances = 0

--- Raises an Oscar error: a string ending with the code in brackets.
local function fail(message, code, level)
  error('Oscar: ' .. tostring(message) .. (code and (' [' .. code .. ']') or ''), (level or 1) + 1)
end

--- The code in an Oscar error message ("UNAUTHENTICATED", "CONNECTION_ERROR", ...), or nil.
function Oscar.code(err)
  return type(err) == 'string' and err:match('%[([%u_]+)%]$') or nil
end

local random_seeded = false

local function random_hex(bytes)
  local file = io.open('/dev/urandom', 'rb')
  local raw = file and file:read(bytes)
  if file then file:close() end
  if raw and #raw == bytes then
    return (raw:gsub('.', function(c) return string.format('%02x', c:byte()) end))
  end
  -- No /dev/urandom (Windows): math.random, seeded once per process from the time, the CPU clock and a
  -- table's address, so two processes started together still draw different ids.
  if not random_seeded then
    local address = tonumber(tostring({}):match('0x(%x+)') or '0', 16) or 0
    math.randomseed((os.time() + math.floor(os.clock() * 1e6) + address) % 2147483647)
    random_seeded = true
  end
  local out = {}
  for i = 1, bytes do out[i] = string.format('%02x', math.random(0, 255)) end
  return table.concat(out)
end

local function normalize_url(url)
  if not url:match('^https?://') then fail('URL must start with http:// or https://, got ' .. url, 'BAD_USER_INPUT', 4) end
  if url:match('^https?://[^/]+/?$') then url = url:match('^(.-)/?$') .. '/graphql' end
  return url
end

--- Numbers JSON cannot carry (NaN, infinities) become the strings the server understands.
local function to_json_value(value)
  if type(value) == 'number' then
    if value ~= value then return 'NaN' end
    if value == math.huge then return 'Infinity' end
    if value == -math.huge then return '-Infinity' end
    return value
  end
  if type(value) == 'table' then
    local copy = {}
    for k, v in pairs(value) do copy[k] = to_json_value(v) end
    return copy
  end
  return value
end

--- A number as JSON: integers exactly (those of floats within 2^53 too), others in the fewest digits
-- (15 to 17) that read back as the same number.
local function encode_number(value)
  if value ~= value or value == math.huge or value == -math.huge then error('Cannot serialise number: must not be NaN or Inf', 0) end
  if (math.type and math.type(value) == 'integer') or (value == math.floor(value) and math.abs(value) < 2 ^ 53) then
    return string.format('%d', value)
  end
  for digits = 15, 16 do
    local text = string.format('%.' .. digits .. 'g', value)
    if tonumber(text) == value then return text end
  end
  return string.format('%.17g', value)
end

--- A table's length as a JSON array, or nil for an object, as lua-cjson decides: keys 1..n (holes become
-- null, unless too sparse), and an empty table is an object.
local function array_length(value)
  local count, max = 0, 0
  for key in pairs(value) do
    if type(key) ~= 'number' or key < 1 or key ~= math.floor(key) then return nil end
    count, max = count + 1, math.max(max, key)
  end
  if count == 0 then return nil end
  if max > 2 * count and max > 10 then error('Cannot serialise table: excessively sparse array', 0) end
  return max
end

--- A Lua value as JSON text, as lua-cjson writes it but for numbers (see `encode_number`) and '/', left
-- unescaped as JavaScript writes it. Nested at most 1000 deep (a table that holds itself is refused).
local function encode(value, depth)
  depth = depth or 1
  local kind = type(value)
  if kind == 'string' then return (json.encode(value):gsub('\\/', '/')) end
  if kind == 'number' then return encode_number(value) end
  if kind == 'boolean' then return tostring(value) end
  if value == nil or value == json.null then return 'null' end
  if kind ~= 'table' then error('Cannot serialise ' .. kind .. ': type not supported', 0) end
  if depth > 1000 then error('Cannot serialise, excessive nesting (1001)', 0) end
  local out = {}
  local length = array_length(value)
  if length then
    for i = 1, length do out[i] = encode(value[i], depth + 1) end
    return '[' .. table.concat(out, ',') .. ']'
  end
  for key, item in pairs(value) do
    if type(key) == 'number' then key = encode_number(key) end
    if type(key) ~= 'string' then error('Cannot serialise table: key must be a number or string', 0) end
    out[#out + 1] = encode(key) .. ':' .. encode(item, depth + 1)
  end
  return '{' .. table.concat(out, ',') .. '}'
end

--- JSON null (cjson.null, a truthy value) becomes nil.
local function denull(value)
  if value == json.null then return nil end
  if type(value) == 'table' then
    for k, v in pairs(value) do value[k] = denull(v) end
  end
  return value
end

--- Whole numbers decode as floats on Lua 5.3+: make them integers (a trial number, an integer parameter).
local function whole(value)
  if math.type and math.type(value) == 'float' and value == math.floor(value) and math.abs(value) < 2 ^ 53 then
    return math.tointeger(value)
  end
  return value
end

--- `whole` all through a decoded JSON value (a checkpoint record's epoch reads 3, not 3.0).
local function whole_all(value)
  if type(value) == 'table' then
    for k, v in pairs(value) do value[k] = whole_all(v) end
    return value
  end
  return whole(value)
end

--- Transport failures that will not go away by waiting: reported at once instead of retried.
local function permanent(failure)
  -- An unknown host name ("host not found", getaddrinfo's "... not known"), or TLS refusing the server.
  for _, pattern in ipairs({ 'host not found', 'not known', 'certificate', 'unsupported' }) do
    if failure:find(pattern, 1, true) then return true end
  end
  return false
end

--- The first error's message, code and extensions (a table, or nil).
local function describe_error(errors)
  local first = errors[1]
  if type(first) ~= 'table' then return tostring(first), nil, nil end
  local extensions = type(first.extensions) == 'table' and first.extensions or nil
  local code = extensions and extensions.code or nil
  return tostring(first.message or 'unknown error'), type(code) == 'string' and code or nil, extensions
end

local Client = {}
Client.__index = Client

--- Sends a GraphQL operation; returns its `data`. Retries while the server is unreachable, busy or
-- rate-limits the user (waiting what its Retry-After says), for `max_wait` seconds in all.
function Client:query(document, variables)
  self.last_error = nil
  local ok, body = pcall(encode, { query = document, variables = to_json_value(variables or {}) })
  if not ok then fail('cannot send these values as JSON: ' .. tostring(body), 'BAD_USER_INPUT', 2) end
  local deadline = socket.gettime() + self.max_wait
  local delay, attempts = FIRST_DELAY, 0
  while true do
    attempts = attempts + 1
    local chunks = {}
    local request = {
      url = self.url,
      method = 'POST',
      headers = {
        ['content-type'] = 'application/json',
        ['accept'] = 'application/json',
        ['content-length'] = tostring(#body),
        ['authorization'] = 'Bearer ' .. self.token,
        ['user-agent'] = 'oscar-lua/' .. Oscar.VERSION,
      },
      source = ltn12.source.string(body),
      sink = ltn12.sink.table(chunks),
    }
    for key, value in pairs(self.tls) do request[key] = value end
    -- The transport's timeout is a module setting: ours only for this request.
    local previous = self.transport.TIMEOUT
    self.transport.TIMEOUT = self.timeout
    local sent, status, headers = self.transport.request(request)
    self.transport.TIMEOUT = previous
    local failure, retry_after
    if not sent then
      failure = tostring(status) -- "connection refused", "timeout", "closed", ...
      if permanent(failure) then fail(string.format('cannot reach Oscar at %s: %s', self.url, failure), 'CONNECTION_ERROR', 3) end
    else
      -- Seconds (as Oscar sends it; an HTTP date is not read, and backoff applies).
      retry_after = tonumber(type(headers) == 'table' and headers['retry-after'] or nil)
      local raw = table.concat(chunks)
      local decoded, payload = pcall(json.decode, raw)
      payload = decoded and type(payload) == 'table' and payload or nil
      local errors = payload and type(payload.errors) == 'table' and #payload.errors > 0 and payload.errors or nil
      if errors then
        local message, code, extensions = describe_error(errors)
        -- The error raised is a string; what else the server said about it waits here (see `jobs`).
        if not RETRY_CODES[code] then self.last_error = extensions; fail(message, code, 3) end
        failure = code .. ': ' .. message
      elseif RETRY_STATUSES[status] then
        failure = 'HTTP ' .. status
      elseif status >= 400 or not payload or payload.data == nil then
        fail(string.format('HTTP %d from %s: %s', status, self.url, raw:sub(1, 300)), nil, 3)
      elseif type(payload.data) ~= 'table' then
        fail('invalid answer from ' .. self.url .. ': ' .. raw:sub(1, 300), nil, 3)
      else
        return denull(payload.data)
      end
    end
    local remaining = deadline - socket.gettime()
    if remaining <= 0 or (self.retries and attempts > self.retries) then
      fail(string.format('cannot reach Oscar at %s after %d attempt%s: %s', self.url, attempts, attempts == 1 and '' or 's', failure), 'CONNECTION_ERROR', 3)
    end
    local wait = math.min(retry_after and math.max(0, math.min(retry_after, MAX_RETRY_AFTER)) or delay, remaining)
    io.stderr:write(string.format('Oscar at %s unreachable (%s); retrying in %.1f s\n', self.url, failure, wait))
    socket.sleep(wait)
    delay = math.min(delay * 2, MAX_DELAY)
  end
end

local function experiment_input(experiment)
  if type(experiment) ~= 'table' then fail('experiment must be a table with name and parameters', 'BAD_USER_INPUT', 3) end
  local input = {}
  for key, value in pairs(experiment) do
    local field = EXPERIMENT_FIELDS[key]
    if not field then fail('unknown experiment key "' .. tostring(key) .. '" (allowed: name, description, parameters, resume, algorithm, seed, lease_seconds, max_trials, max_retries, pruner, objectives, constraints)', 'BAD_USER_INPUT', 3) end
    input[field] = value
  end
  if input.name == nil then fail('experiment needs a name', 'BAD_USER_INPUT', 3) end
  if input.parameters == nil then fail('experiment needs parameters', 'BAD_USER_INPUT', 3) end
  -- The first objective leads (best trial, charts), and a Lua table with keys keeps no order.
  if type(input.objectives) == 'table' and next(input.objectives) ~= nil and input.objectives[1] == nil and next(input.objectives, next(input.objectives)) ~= nil then
    fail('objectives: a table of several names keeps no order in Lua, and the first objective leads; write a list: {{accuracy = "maximize"}, {latency_ms = "minimize"}}', 'BAD_USER_INPUT', 3)
  end
  return input
end

--- Suggests one job after another until the experiment's trial budget (`max_trials`) is spent and
-- none of its trials runs any more, for a generic `for`; every worker can run this loop, and together
-- they run `max_trials` trials. Once the budget is spent, a loop that asks while other workers' trials
-- still run asks again every `poll` seconds (10 by default), so that a trial lost or released meanwhile
-- is run here rather than never; `poll = false` ends it at once instead. Without a budget it goes on
-- until the loop is left. Any other error is raised as `suggest` raises it.
--
--     for job in scientist:jobs(experiment) do
--       scientist:update(job, {loss = train(job)})
--     end
function Client:jobs(experiment, poll)
  if poll == nil then poll = 10 end
  return function()
    while true do
      local ok, job = pcall(self.suggest, self, experiment)
      if ok then return job end
      if Oscar.code(job) ~= 'TRIAL_BUDGET_SPENT' then error(job, 2) end
      -- How many trials still run (or are about to run again), as the server's answer says.
      local running = self.last_error and tonumber(self.last_error.running)
      if poll == false or not running or running <= 0 then return nil end
      socket.sleep(poll)
    end
  end
end

--- The next parameters to try: a table of parameter name -> value (`job.x`), for `update`.
-- `resume = false` starts the experiment afresh on this client's first suggest for that name only, so
-- a loop that reuses one experiment table keeps the new run. A string names an existing experiment,
-- joined in the space it has on the server, its settings kept (NOT_FOUND when there is none: nothing
-- is created).
function Client:suggest(experiment)
  local input
  if type(experiment) == 'string' then input = {name = experiment} else input = experiment_input(experiment) end
  local restart = input.resume == false
  if restart and self.restarted[input.name] then input.resume = true end
  local data = self:query(SUGGEST, {
    experiment = input,
    worker = self.worker,
    instance = self.instance,
    -- The same id on every retry of this call: the server then hands back the same trial.
    requestId = random_hex(16),
  })
  local trial = data.suggest
  if type(trial) ~= 'table' or type(trial.params) ~= 'table' then fail('unexpected answer to suggest', nil, 2) end
  if restart then self.restarted[input.name] = true end
  local job = {}
  for name, value in pairs(trial.params) do job[name] = whole(value) end
  local lease = type(trial.experiment) == 'table' and tonumber(trial.experiment.leaseSeconds) or nil
  local checkpoint = type(trial.checkpoint) == 'table' and whole_all(trial.checkpoint) or nil
  trials[job] = { id = trial.id, number = whole(trial.number), lease = lease, beat = socket.gettime(), checkpoint = checkpoint }
  return setmetatable(job, JOB)
end

local function trial_of(job, level)
  if type(job) == 'string' then return { id = job } end
  local trial = type(job) == 'table' and trials[job] or nil
  if not trial then fail('not a job from suggest (nor a trial id)', 'BAD_USER_INPUT', level + 1) end
  return trial
end

--- Reports a job's result: a table with `loss` (to minimise) and any other metrics, or with `error`.
function Client:update(job, result)
  local trial = trial_of(job, 2)
  if type(result) ~= 'table' then fail('result must be a table holding loss', 'BAD_USER_INPUT', 2) end
  if next(result) == nil then fail("result must hold loss (or the experiment's objectives)", 'BAD_USER_INPUT', 2) end
  return self:query(UPDATE, { trialId = trial.id, result = result }).update
end

--- Reports that a job failed (kept as FAILED, never used as a loss), with optional metrics.
function Client:fail(job, message, metrics)
  local trial = trial_of(job, 2)
  local variables = { trialId = trial.id, error = tostring(message) }
  if metrics ~= nil then variables.metrics = metrics end
  return self:query(FAIL, variables).fail
end

--- Renews a job's lease. Lua has no threads, so call it from your training loop (every epoch, say):
-- it talks to the server only once a third of the lease has passed since the last renewal, unless
-- `force`. Returns the server's answer, or nil when no renewal was due.
function Client:heartbeat(job, force)
  local trial = trial_of(job, 2)
  local now = socket.gettime()
  if not force and trial.lease and trial.beat and now - trial.beat < trial.lease / 3 then return nil end
  local answer = self:query(HEARTBEAT, { trialId = trial.id }).heartbeat
  trial.beat = now
  return answer
end

--- Gives a job up without a result (a machine about to shut down, an interruption that is not the
-- configuration's fault): the trial is STALE at once and the next suggest, from any worker, gets its
-- parameters again with its latest checkpoint, without waiting for its lease to run out. Returns the
-- trial ({ id, state }: STALE, or the state of a trial that had finished); nil from a server that
-- predates release (the trial is then offered again once its lease runs out).
function Client:release(job)
  local trial = trial_of(job, 2)
  local ok, answer = pcall(self.query, self, RELEASE, { trialId = trial.id })
  if ok then return answer.release end
  if Oscar.code(answer) == 'GRAPHQL_VALIDATION_FAILED' and tostring(answer):find('release', 1, true) then return nil end
  error(answer, 2)
end

--- Reports an intermediate value of a running job (its loss at `step`, a whole number from 0), with
-- optional metrics; true means stop: the experiment's pruner stopped the trial (it is PRUNED, and
-- `job.pruned` is true), or the job's lease ran out and its parameters went to another worker, which
-- runs them (nothing is lost; `job.pruned` stays false). It renews the lease too, so reporting every epoch needs no heartbeat calls.
--
--     for epoch = 1, 100 do
--       if scientist:report(job, epoch, train_one_epoch()) then break end
--     end
function Client:report(job, step, value, metrics)
  local trial = trial_of(job, 2)
  if type(step) ~= 'number' or step < 0 or step > MAX_STEP or step ~= math.floor(step) then
    fail('step must be a whole number from 0 to ' .. string.format('%d', MAX_STEP) .. ', but got ' .. tostring(step), 'BAD_USER_INPUT', 2)
  end
  if type(value) ~= 'number' or value ~= value or value == math.huge or value == -math.huge then
    fail('value must be a finite number, but got ' .. tostring(value), 'BAD_USER_INPUT', 2)
  end
  local variables = { trialId = trial.id, step = math.floor(step), value = value }
  if metrics ~= nil then variables.metrics = metrics end
  local answer = self:query(REPORT, variables).report
  trial.beat = socket.gettime()
  if type(answer) ~= 'table' then fail('unexpected answer to report', nil, 2) end
  trial.pruned = answer.shouldStop == true and type(answer.trial) == 'table' and answer.trial.state == 'PRUNED'
  return answer.shouldStop == true
end

--- Saves how far a job got (spot machines): `record` is a table of at most 16 KiB as JSON, such as
-- {path = '/shared/run-17.t7', epoch = 5}; it renews the lease too. When the trial comes back, to this
-- worker after a reboot or to another one after its lease ran out, `job.checkpoint` is the latest
-- record (else nil), so training resumes instead of restarting.
function Client:checkpoint(job, record)
  local trial = trial_of(job, 2)
  if type(record) ~= 'table' then fail('data: the checkpoint record must be a table such as {epoch = 5}', 'BAD_USER_INPUT', 2) end
  local encoded, text = pcall(function() return encode(to_json_value(record)) end)
  if not encoded then fail('data: the checkpoint record is not JSON: ' .. tostring(text), 'BAD_USER_INPUT', 2) end
  if #text > MAX_CHECKPOINT_BYTES then
    fail('data: the checkpoint record must be at most ' .. MAX_CHECKPOINT_BYTES .. ' bytes of JSON, but got ' .. #text .. ': save the state elsewhere and its location here', 'BAD_USER_INPUT', 2)
  end
  local answer = self:query(CHECKPOINT, { trialId = trial.id, data = record }).checkpoint
  trial.beat = socket.gettime()
  if type(answer) == 'table' and type(answer.checkpoint) == 'table' then trial.checkpoint = whole_all(answer.checkpoint) end
  return answer
end

--- Queues a parameter set to be tried next (as Optuna's enqueue_trial): the experiment's next
-- suggests, from any worker, hand queued sets out first, in order, each once. `experiment` is the
-- table `suggest` takes (created on first use) or an existing experiment's name; `params` needs a
-- value for every parameter that its spec allows (constants may be left out), else the error names
-- it (`params.x ... [BAD_USER_INPUT]`) and nothing is queued. Returns {id, place, params}: place 1
-- is handed out next. A retry after a lost answer queues nothing more (the call carries a request id).
function Client:enqueue(experiment, params)
  if type(params) ~= 'table' then fail('params must be a table of parameter name -> value', 'BAD_USER_INPUT', 2) end
  -- The same id on every retry of this call: the server then queues the set once.
  local variables = { params = to_json_value(params), requestId = random_hex(16) }
  local restart = false
  if type(experiment) == 'string' then
    variables.experimentName = experiment
  else
    local input = experiment_input(experiment)
    restart = input.resume == false
    if restart and self.restarted[input.name] then input.resume = true end
    variables.experiment = input
  end
  local queued = self:query(ENQUEUE, variables).enqueue
  if type(queued) ~= 'table' then fail('unexpected answer to enqueue', nil, 2) end
  -- Started afresh once, as suggest does: the suggests that follow continue it (and take the set).
  if restart then self.restarted[variables.experiment.name] = true end
  queued.place = whole(queued.place)
  return queued
end

--- The experiment's Pareto front: its feasible completed trials that no other feasible completed trial
-- beats in every objective (the experiment's `objectives`), in order of the first objective; each a
-- table with number, params, loss and metrics.
function Client:pareto_front(name)
  local data = self:query('query Front($name: String!) { experiment(name: $name) { paretoFront { id number params loss metrics } } }', { name = name })
  if type(data.experiment) ~= 'table' then fail('no experiment named "' .. tostring(name) .. '"', 'NOT_FOUND', 2) end
  local front = data.experiment.paretoFront or {}
  for _, trial in ipairs(front) do trial.number = whole(trial.number) end
  return front
end

--- The trial id of a job from `suggest`, and its number in the experiment.
function Oscar.trial(job)
  local trial = trials[job]
  if trial then return trial.id, trial.number end
  return nil
end

--- A client. `options` is the server's URL (as a string), or a table with `url`, `worker`,
-- `timeout` (seconds per request, 60), `retries` (nil: until `max_wait` is spent), `max_wait`
-- (seconds, 120) and, for https://, `cafile` (the CA bundle, Debian's by default). The URL defaults to OSCAR_URL, else http://localhost:4000/graphql; the worker
-- name to OSCAR_WORKER, else the host name (a second client in one process gets "-2").
function Oscar.new(token, options)
  if type(options) == 'string' then options = { url = options } end
  options = options or {}
  if type(token) ~= 'string' or token == '' then fail('an API token is needed: Oscar(token)', 'BAD_USER_INPUT', 3) end
  instances = instances + 1
  local base = options.worker or os.getenv('OSCAR_WORKER') or socket.dns.gethostname()
  local url = normalize_url(options.url or os.getenv('OSCAR_URL') or Oscar.DEFAULT_URL)
  local transport, tls = http, {}
  if url:match('^https://') then
    local found, https = pcall(require, 'ssl.https')
    if not found then fail('https:// needs luasec (Debian: lua-sec)', 'BAD_USER_INPUT', 3) end
    -- luasec checks nothing by default: verify the server's certificate against the system's CAs.
    transport = https
    tls = {
      verify = 'peer',
      cafile = options.cafile or '/etc/ssl/certs/ca-certificates.crt',
      protocol = 'any',
      options = { 'all', 'no_sslv2', 'no_sslv3', 'no_tlsv1' },
    }
  end
  return setmetatable({
    token = token,
    url = url,
    transport = transport,
    tls = tls,
    worker = (options.worker or instances == 1) and base or (base .. '-' .. instances),
    instance = random_hex(16),
    timeout = options.timeout or 60,
    retries = options.retries,
    max_wait = options.max_wait or 120,
    restarted = {},
  }, Client)
end

return setmetatable(Oscar, {
  __call = function(_, token, options)
    local client = Oscar.new(token, options) -- not a tail call: errors point at the caller's line
    return client
  end,
})
