-- wrk script for scripts/bench: anonymous tip submission, POST /api/v1/tips with a JSON body.
-- Every request carries a different description (run, thread and counter), so no two tips are
-- the same text; category theft, commune 24133 (Phường Buôn Ma Thuột, which has a police unit).
--
--   wrk -t2 -c64 -d10s --latency -s scripts/bench-tip-submit.lua http://127.0.0.1:PORT/api/v1/tips

math.randomseed(os.time())
local run = string.format("%d-%04d", os.time(), math.random(0, 9999))

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local counter = 0
local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }

function request()
  counter = counter + 1
  -- thread_id is set by setup() in the main state before this thread runs its first request.
  local body = string.format(
    '{"category":"theft","commune":"24133","description":"Tin đo tải %s/%d/%d: có người lạ cạy khoá xe máy trước nhà số %d."}',
    run, thread_id or 0, counter, counter % 200 + 1)
  return wrk.format("POST", nil, headers, body)
end
