-- End-to-end test of the built-in LSP client against `writ lsp` (see init.lua):
-- a file with a syntax error gets writ's diagnostic; fixing it clears it.
local TIMEOUT_MS = tonumber(vim.env.WRIT_E2E_TIMEOUT_MS or '') or 20000

local function log(msg)
  io.stdout:write('e2e: ' .. msg .. '\n')
end

local function fail(msg)
  io.stderr:write('e2e: FAIL: ' .. msg .. '\n')
  local log_path = vim.lsp.get_log_path and vim.lsp.get_log_path()
  if log_path and vim.fn.filereadable(log_path) == 1 then
    io.stderr:write('e2e: last lines of the LSP log (' .. log_path .. '):\n')
    for _, line in ipairs(vim.fn.readfile(log_path, '', -15)) do
      io.stderr:write('  ' .. line .. '\n')
    end
  end
  vim.cmd('cquit 1')
end

local function describe(diags)
  local parts = {}
  for _, d in ipairs(diags) do
    parts[#parts + 1] = ('%d:%d [%s] %s (severity %s)'):format(
      d.lnum + 1, d.col + 1, tostring(d.code), d.message, tostring(d.severity))
  end
  return #parts == 0 and '(none)' or table.concat(parts, '; ')
end

local function errors(buf)
  return vim.diagnostic.get(buf, { severity = vim.diagnostic.severity.ERROR })
end

local function is_writ_error(d)
  local code = tostring(d.code or '')
  return code:match('^E%d%d%d%d$') ~= nil or (d.source or ''):match('writ') ~= nil
end

local function attached_clients(buf)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = buf })
  end
  return vim.tbl_values(vim.lsp.buf_get_clients(buf))
end

local ok, err = pcall(function()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, 'p')
  vim.fn.writefile({}, dir .. '/.writ-e2e-root')
  local path = dir .. '/policy.writ'
  vim.fn.writefile({ 'rule a {', '  when', '}' }, path)

  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()

  -- 1. The plugin's filetype detection and syntax file.
  if vim.bo[buf].filetype ~= 'writ' then
    fail("filetype is '" .. vim.bo[buf].filetype .. "', expected 'writ' (ftdetect)")
  end
  if vim.b[buf].current_syntax ~= 'writ' then
    fail('syntax/writ.vim did not load')
  end
  log('filetype and syntax: writ')

  -- 2. The client starts and attaches.
  if not vim.wait(TIMEOUT_MS, function() return #attached_clients(buf) > 0 end, 50) then
    fail('no LSP client attached to the buffer within ' .. TIMEOUT_MS .. ' ms: did `' .. vim.env.WRIT
      .. ' lsp` start? (a writ without the `lsp` command exits at once)')
  end
  local client = attached_clients(buf)[1]
  if not vim.wait(TIMEOUT_MS, function() return client.initialized or client.server_capabilities ~= nil end, 50) then
    fail('the server did not finish initialize within ' .. TIMEOUT_MS .. ' ms')
  end
  log(('client %q attached (cmd: %s)'):format(client.name, table.concat(client.config.cmd, ' ')))

  -- 3. The syntax error is reported.
  local got = vim.wait(TIMEOUT_MS, function()
    for _, d in ipairs(errors(buf)) do
      if is_writ_error(d) then
        return true
      end
    end
    return false
  end, 50)
  if not got then
    fail('no writ error diagnostic within ' .. TIMEOUT_MS .. ' ms; diagnostics: ' .. describe(vim.diagnostic.get(buf)))
  end
  log('diagnostic arrived: ' .. describe(errors(buf)))

  -- 4. Fix it; the error clears.
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { 'rule a {', '  when change.emergency', '}' })
  local cleared = vim.wait(TIMEOUT_MS, function() return #errors(buf) == 0 end, 50)
  if not cleared then
    fail('the error did not clear within ' .. TIMEOUT_MS .. ' ms after the fix; diagnostics: ' .. describe(vim.diagnostic.get(buf)))
  end
  local rest = vim.diagnostic.get(buf)
  log('fixed: no errors' .. (#rest > 0 and (' (other diagnostics: ' .. describe(rest) .. ')') or ''))

  -- 5. Shut the server down cleanly.
  vim.lsp.stop_client(client.id)
  vim.wait(5000, function() return client.is_stopped() end, 50)
  vim.fn.delete(dir, 'rf')
end)

if not ok then
  fail(tostring(err))
end
log('PASS')
vim.cmd('qall!')
