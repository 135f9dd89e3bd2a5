-- wrk script for bench/many-readers.sh: each request is the next reader's own document, round robin over every
-- reader, so consecutive requests on a connection come from different people. Argument: the readers file.
local readers = {}
local next_reader = 0

function init(args)
  for line in io.lines(args[1]) do
    local token, id = line:match("^(%S+) (%S+)$")
    if token then
      readers[#readers + 1] = { path = "/api/v1/documents/" .. id .. "/content", auth = "Bearer " .. token }
    end
  end
  if #readers == 0 then
    error("no readers in " .. args[1])
  end
end

function request()
  next_reader = next_reader % #readers + 1
  local reader = readers[next_reader]
  return wrk.format("GET", reader.path, { ["Authorization"] = reader.auth })
end
