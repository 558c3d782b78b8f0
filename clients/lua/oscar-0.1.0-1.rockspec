package = 'oscar'
version = '0.1.0-1'
-- `luarocks make` in this folder installs the working copy; nothing is fetched from this URL.
source = { url = 'git+file://./clients/lua' }
description = {
  summary = "Oscar's client: ask an Oscar server for hyperparameters to try, and report the results",
}
dependencies = { 'lua >= 5.1', 'luasocket >= 3.0', 'lua-cjson >= 2.1' }
build = { type = 'builtin', modules = { Oscar = 'Oscar.lua' } }
