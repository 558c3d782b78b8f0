-- Get Oscar
local Oscar = require('Oscar')
local scientist = Oscar('API_ACCESS_TOKEN')

-- Describe your experiment
local experiment = {name='Square', parameters={x = {min = -10, max = 10}}}

for i = 1, 10 do
  -- Get next parameters to try from Oscar
  local job = scientist:suggest(experiment)

  -- Run you complex, time-consuming algorithm
  local loss = math.pow(job.x, 2)

  -- Tell Oscar the result
  scientist:update(job, {loss = loss})
end
