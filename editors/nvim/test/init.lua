-- Minimal Neovim config for the end-to-end test: this plugin only, and the
-- built-in LSP client on `$WRIT lsp`.
--   WRIT=target/debug/writ nvim --headless -u editors/nvim/test/init.lua -c 'luafile editors/nvim/test/e2e.lua'
local here = debug.getinfo(1, 'S').source:sub(2):match('^(.*)/test/init%.lua$')
here = vim.fn.fnamemodify(here, ':p'):gsub('/$', '')

vim.opt.runtimepath = { here, vim.env.VIMRUNTIME }
vim.opt.packpath = {}
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'
vim.cmd('filetype plugin indent on')
vim.cmd('syntax on')

local writ = vim.env.WRIT
if writ == nil or writ == '' then
  io.stderr:write('e2e: set WRIT to the writ binary (e.g. WRIT=target/debug/writ)\n')
  vim.cmd('cquit 2')
end
if vim.fn.executable(writ) ~= 1 then
  io.stderr:write('e2e: WRIT=' .. writ .. ' is not an executable file (build it with `cargo build`)\n')
  vim.cmd('cquit 2')
end

require('writ').setup({
  cmd = { vim.fn.fnamemodify(writ, ':p'), 'lsp' },
  root_markers = { '.writ-e2e-root' },
})
