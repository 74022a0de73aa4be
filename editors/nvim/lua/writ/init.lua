-- writ for Neovim: starts `writ lsp` with the built-in client on writ buffers.
--
--   require('writ').setup({
--     cmd = { 'writ', 'lsp' },          -- the server command
--     graph = 'writ/graph.json',        -- optional: the system graph (JSON), relative to the root
--     root_markers = { '.git' },        -- what marks a project's root
--   })
--
-- Works with Neovim 0.7 (vim.lsp.start_client) and 0.8+ (vim.lsp.start).
local M = {}

M.defaults = {
  cmd = { 'writ', 'lsp' },
  graph = nil,
  root_markers = { '.git' },
  filetypes = { 'writ' },
  name = 'writ',
  -- Extra fields merged into the client config (on_attach, capabilities, settings…).
  config = {},
}

local options = vim.deepcopy(M.defaults)

local function find_root(bufname, markers)
  local dir = vim.fn.fnamemodify(bufname, ':p:h')
  for _, marker in ipairs(markers) do
    local found = vim.fn.finddir(marker, dir .. ';')
    if found == '' then
      found = vim.fn.findfile(marker, dir .. ';')
    end
    if found ~= '' then
      -- `found` is the marker itself (`/repo/.git`): its parent is the root.
      local full = vim.fn.fnamemodify(found, ':p'):gsub('/$', '')
      return vim.fn.fnamemodify(full, ':h')
    end
  end
  return dir
end

local function graph_path(root)
  local graph = options.graph
  if graph == nil or graph == '' then
    return vim.NIL
  end
  graph = vim.fn.expand(graph)
  if graph:sub(1, 1) ~= '/' and not graph:match('^%a:[\\/]') then
    graph = root .. '/' .. graph
  end
  return graph
end

--- The client config for buffer `bufnr` (exposed for tests and for custom setups).
function M.config_for(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  local root = find_root(name ~= '' and name or vim.fn.getcwd() .. '/x', options.root_markers)
  local config = vim.tbl_deep_extend('force', {
    name = options.name,
    cmd = options.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = { graph = graph_path(root) },
  }, options.config or {})
  return config
end

local clients = {} -- root_dir -> client id (Neovim 0.7 only)

local function start_missing_binary_message()
  local exe = options.cmd[1]
  if vim.fn.executable(exe) == 1 then
    return false
  end
  vim.notify(
    ("writ: the language server binary '%s' was not found. Install it from the writ repository with "
      .. "`cargo install --path .`, or pass its full path: require('writ').setup({ cmd = { '/path/to/writ', 'lsp' } })"):format(exe),
    vim.log.levels.ERROR
  )
  return true
end

--- Starts (or reuses) the server for `bufnr` and attaches it.
function M.attach(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if start_missing_binary_message() then
    return nil
  end
  local config = M.config_for(bufnr)
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  -- Neovim 0.7: one client per root, started by hand.
  local id = clients[config.root_dir]
  if not id or vim.lsp.get_client_by_id(id) == nil or vim.lsp.get_client_by_id(id).is_stopped() then
    id = vim.lsp.start_client(config)
    clients[config.root_dir] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

-- The folder of this plugin (editors/nvim), links resolved.
local function plugin_dir()
  local source = debug.getinfo(1, 'S').source:sub(2)
  return vim.fn.fnamemodify(vim.fn.resolve(source), ':p:h:h:h')
end

--- Registers the tree-sitter grammar (editors/tree-sitter-writ, beside this
--- plugin in the writ repository, or `opts.path`) with nvim-treesitter, so
--- `:TSInstall writ` compiles it. The queries come with this plugin
--- (queries/writ/). Without nvim-treesitter, compile the parser by hand
--- (README.md); ftplugin/writ.lua starts highlighting when it finds it.
--- Returns false (with a message) when nvim-treesitter is not installed.
function M.treesitter(opts)
  opts = opts or {}
  local path = opts.path or (vim.fn.fnamemodify(plugin_dir(), ':h') .. '/tree-sitter-writ')
  local ok, parsers = pcall(require, 'nvim-treesitter.parsers')
  if not ok then
    vim.notify('writ: nvim-treesitter is not installed; see editors/nvim/README.md to build the parser by hand', vim.log.levels.WARN)
    return false
  end
  local info = { url = path, path = path, files = { 'src/parser.c' }, requires_generate_from_grammar = false }
  if parsers.get_parser_configs then
    -- nvim-treesitter `master`: the parser_config table.
    parsers.get_parser_configs().writ = { install_info = info, filetype = 'writ' }
  else
    -- nvim-treesitter `main`: parsers are registered on `User TSUpdate`.
    vim.api.nvim_create_autocmd('User', {
      pattern = 'TSUpdate',
      callback = function()
        require('nvim-treesitter.parsers').writ = { install_info = info }
      end,
    })
  end
  return true
end

function M.setup(opts)
  options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  if type(options.cmd) == 'string' then
    options.cmd = { options.cmd, 'lsp' }
  end
  local group = vim.api.nvim_create_augroup('writ_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = options.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  -- Buffers that were opened before setup().
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(options.filetypes, vim.bo[buf].filetype) then
      M.attach(buf)
    end
  end
end

return M
