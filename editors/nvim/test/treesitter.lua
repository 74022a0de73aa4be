-- Headless check of the tree-sitter highlighting in Neovim's own engine:
-- loads the writ parser (parser/writ.so on the runtimepath), parses the
-- tree-sitter highlight test file (editors/tree-sitter-writ/test/highlight/),
-- runs this plugin's queries/writ/highlights.scm and checks every `// ^ capture`
-- assertion of the file as Neovim resolves captures (the innermost node
-- wins; on one node, the later pattern). Also compiles the fold, indent and
-- text-object queries.
--
--   WRIT_TS_PARSER_DIR=<folder holding parser/writ.so> WRIT_TS_CASE=<file> \
--     nvim --headless -u NONE -c 'luafile editors/nvim/test/treesitter.lua'
--
-- Neovim 0.7 (Debian 12) reads parsers of ABI 13–14: .ci/editors.sh builds
-- one with `tree-sitter generate --abi 14` for it.
local here = debug.getinfo(1, 'S').source:sub(2):match('^(.*)/test/treesitter%.lua$')
here = vim.fn.fnamemodify(here, ':p'):gsub('/$', '')
vim.opt.runtimepath = { here, vim.env.WRIT_TS_PARSER_DIR, vim.env.VIMRUNTIME }

local function fail(message)
  io.stderr:write('treesitter: ' .. message .. '\n')
  vim.cmd('cquit 1')
end

local add = (vim.treesitter.language and vim.treesitter.language.add) or vim.treesitter.require_language
local ok, err = pcall(add, 'writ')
if not ok then
  fail('cannot load the writ parser: ' .. tostring(err))
end
local get_query = (vim.treesitter.query and vim.treesitter.query.get) or vim.treesitter.get_query
for _, name in ipairs({ 'folds', 'indents', 'textobjects' }) do
  local qok, qerr = pcall(get_query, 'writ', name)
  if not qok or qerr == nil then
    fail('queries/writ/' .. name .. '.scm does not compile: ' .. tostring(qerr))
  end
end
local query = get_query('writ', 'highlights')
if query == nil then
  fail('no queries/writ/highlights.scm on the runtimepath')
end

local case = vim.env.WRIT_TS_CASE
local lines = vim.fn.readfile(case)
local buf = vim.api.nvim_create_buf(false, true)
vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
local parser = vim.treesitter.get_parser(buf, 'writ')
local root = parser:parse()[1]:root()
if root:has_error() then
  fail(case .. ' does not parse without errors')
end

-- Every capture as { row, start col, end row, end col, size, order, name }.
local captures = {}
local order = 0
for id, node in query:iter_captures(root, buf, 0, -1) do
  local sr, sc, er, ec = node:range()
  local _, _, sb = node:start()
  local _, _, eb = node:end_()
  order = order + 1
  table.insert(captures, { sr, sc, er, ec, eb - sb, order, query.captures[id] })
end

local function contains(c, row, col)
  local after_start = row > c[1] or (row == c[1] and col >= c[2])
  local before_end = row < c[3] or (row == c[3] and col < c[4])
  return after_start and before_end
end

local function resolve(row, col)
  local best
  for _, c in ipairs(captures) do
    if contains(c, row, col) and (best == nil or c[5] < best[5] or (c[5] == best[5] and c[6] > best[6])) then
      best = c
    end
  end
  return best and best[7] or 'none'
end

-- Assertions: `// <- name` (at the comment's column) and `// ^ name` (at the
-- caret), about the last line above that is not an assertion.
local checked, failures = 0, {}
local code_row = nil
for i, line in ipairs(lines) do
  local row = i - 1
  local s, arrow_or_caret, name = line:match('^()%s*//%s*(<%-)%s*([%w%.]+)%s*$')
  local col
  if s then
    col = line:find('//', 1, true) - 1
  else
    local caret
    caret, name = line:match('^%s*//%s*()%^%s*([%w%.]+)%s*$')
    col = caret and caret - 1
  end
  if col and name and code_row then
    checked = checked + 1
    local actual = resolve(code_row, col)
    if actual ~= name then
      table.insert(failures, string.format('%s:%d:%d expected %s, Neovim resolves %s', case, code_row + 1, col + 1, name, actual))
    end
  elseif not col then
    code_row = row
  end
end

if #failures > 0 then
  fail(#failures .. ' of ' .. checked .. ' highlight assertions fail:\n  ' .. table.concat(failures, '\n  '))
end
if checked < 20 then
  fail('only ' .. checked .. ' assertions found in ' .. case)
end
print(string.format('treesitter: Neovim %s highlights %s as asserted (%d assertions)', tostring(vim.version().major) .. '.' .. tostring(vim.version().minor), case, checked))
vim.cmd('qall!')
