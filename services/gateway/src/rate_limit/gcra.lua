-- GCRA in one atomic step: read the TAT, decide, store the new TAT.
-- Same steps as `decide` in gcra.rs; see its doc comment for the maths.
--
-- KEYS[1]  the client's TAT key (prefix:ratelimit:<class>:<client>)
-- ARGV[1]  T, the emission interval, in microseconds
-- ARGV[2]  tau, the burst tolerance, in microseconds
-- Returns  { allowed (1/0), remaining, reset_after_ms, retry_after_ms }
--
-- Microseconds, not nanoseconds: Lua 5.1 numbers are doubles, exact only up
-- to 2^53; a Unix time in microseconds (~1.7e15) fits, in nanoseconds not.

-- ANCHOR: script
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])

-- Redis' own clock: every gateway instance sees the same "now", so clock
-- skew between gateway hosts cannot hand out extra requests.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])

local function ceil_ms(micros)
  return math.ceil(micros / 1000)
end

-- A missing key (GET gives false) or a TAT in the past: a full bucket.
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then
  tat = now
end

local allow_at = tat - tolerance
if now < allow_at then
  -- Refused: nothing is written, so refusals do not use up budget.
  return { 0, 0, ceil_ms(tat - now), ceil_ms(allow_at - now) }
end

local new_tat = tat + interval
-- Once the TAT has passed, the key means "full bucket", same as no key:
-- expire it then, so idle clients cost no memory. '%d' keeps all digits
-- (Lua would print a large number in exponent form).
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', ceil_ms(new_tat - now))
return { 1, math.floor((now - allow_at) / interval), ceil_ms(new_tat - now), 0 }
-- ANCHOR_END: script
