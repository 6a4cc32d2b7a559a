-- Paces wrk (which has no rate option; wrk2 is not packaged) to a fixed request rate per thread:
--   wrk -t2 -c64 -d600s -s bench/wrk/paced.lua URL -- <requests per second per thread>
-- Every request reserves the thread's next send slot on a monotonic clock and waits for it (wrk's delay()), so
-- the thread never sends faster than the rate; a thread that falls behind does not burst to catch up. Latency is
-- measured from the send, not from the slot (no coordinated-omission correction, unlike wrk2).
local ffi = require("ffi")
ffi.cdef [[
	typedef struct { long tv_sec; long tv_nsec; } paced_timespec;
	int clock_gettime(int clock, paced_timespec *now);
]]
local CLOCK_MONOTONIC = 1
local now = ffi.new("paced_timespec")

local function millis()
	ffi.C.clock_gettime(CLOCK_MONOTONIC, now)
	return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
end

local interval
local next_slot = 0

function init(args)
	local rate = tonumber(args[1])
	if rate == nil or rate <= 0 then
		error("paced.lua needs the rate per thread: wrk ... -s paced.lua URL -- <rate>")
	end
	interval = 1000 / rate
end

function delay()
	local t = millis()
	if next_slot < t then
		next_slot = t
	end
	local wait = next_slot - t
	next_slot = next_slot + interval
	return math.floor(wait)
end
