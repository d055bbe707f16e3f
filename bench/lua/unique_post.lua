-- POST a body in which every __UNIQUE__ is replaced by a value no other request of the run
-- uses (run id, thread number, counter), so each write creates a new order.
local template = os.getenv("BENCH_BODY_TEMPLATE")
local run_id = os.getenv("BENCH_RUN_ID") or "run"
local thread_count = 0

function setup(thread)
   thread_count = thread_count + 1
   thread:set("thread_no", thread_count)
end

local counter = 0

function request()
   counter = counter + 1
   local unique = run_id .. "-" .. tostring(thread_no) .. "-" .. tostring(counter)
   local body = string.gsub(template, "__UNIQUE__", unique)
   return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
