-- publish.lua -- wrk script: POSTs nginx-rtmp's on_publish callback.
--
--   wrk -t2 -c32 -d10s --latency -s publish.lua URL -- ROOM_ID STREAM_KEY [RATE_PER_THREAD]
--
-- Each request carries a form body byte-for-byte like the one nginx-rtmp
-- 1.2.2 sends for ffmpeg (rtmp.md §4), with name=ROOM_ID and the client arg
-- key=STREAM_KEY appended after nginx's own fields, and a clientid that is
-- unique per request (nginx numbers every connection), so the gate sees a new
-- publisher each time.  "Connection: close" makes both servers do one TCP
-- connection per request, as with real nginx-rtmp callbacks.
--
-- RATE_PER_THREAD > 0 paces the run with wrk's delay() hook: each wrk thread
-- hands out send slots every 1/RATE seconds on a monotonic clock (LuaJIT ffi
-- clock_gettime), and each connection waits for its slot before sending.  The
-- wait is not counted in wrk's latency; latency is measured from the moment
-- the request is written.  If the server falls behind, the schedule restarts
-- from "now" (no burst to catch up), so the achieved rate shows it.

local counter = 0
local prefix, suffix
local hdrs = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Connection"] = "close",
}

local next_thread_id = 1
function setup(thread)
    thread:set("tid", next_thread_id)
    next_thread_id = next_thread_id + 1
end

local function monotonic_clock()
    local ffi = require("ffi")
    ffi.cdef [[
        typedef struct { long tv_sec; long tv_nsec; } lc_timespec;
        int clock_gettime(int clk, lc_timespec *ts);
    ]]
    local ts = ffi.new("lc_timespec")
    return function()
        ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
        return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
    end
end

function init(args)
    local room, key, rate = args[1], args[2], tonumber(args[3] or "0")
    if room == nil or key == nil then
        error("usage: wrk ... -s publish.lua URL -- ROOM_ID STREAM_KEY [RATE_PER_THREAD]")
    end
    prefix = "app=live&flashver=FMLE/3.0%20(compatible%3B%20Lavf59.27&swfurl="
          .. "&tcurl=rtmp://127.0.0.1:1935/live&pageurl=&addr=127.0.0.1&clientid="
    suffix = "&call=publish&name=" .. room .. "&type=live&key=" .. key
    if rate > 0 then
        local now = monotonic_clock()
        local interval = 1.0 / rate
        local slot = nil
        delay = function()
            local t = now()
            if slot == nil or slot < t - interval then
                slot = t -- start, or fallen behind: restart the schedule
            else
                slot = slot + interval
            end
            return math.floor((slot - t) * 1000)
        end
    end
end

function request()
    counter = counter + 1
    local clientid = tostring((tid or 1) * 100000000 + counter)
    return wrk.format("POST", nil, hdrs, prefix .. clientid .. suffix)
end
