-- Buffer settings for writ policy files.
if vim.b.did_ftplugin then
  return
end
vim.b.did_ftplugin = true

vim.bo.commentstring = '// %s'
-- `///` and `//!` doc comments continue on Enter/`o`; `//` comments too.
vim.bo.comments = ':///,://!,://'
vim.bo.formatoptions = vim.bo.formatoptions:gsub('t', '') .. 'croql'
vim.bo.expandtab = true
vim.bo.shiftwidth = 2
vim.bo.softtabstop = 2
vim.bo.suffixesadd = '.writ'

-- Tree-sitter highlighting (Neovim 0.9+) when the writ parser is installed
-- (`:TSInstall writ` after require('writ').treesitter(), or by hand: README.md);
-- otherwise syntax/writ.vim highlights.
if vim.treesitter.start and vim.treesitter.language and vim.treesitter.language.add then
  if pcall(vim.treesitter.language.add, 'writ') then
    pcall(vim.treesitter.start, 0, 'writ')
  end
end

vim.b.undo_ftplugin = 'setlocal commentstring< comments< formatoptions< expandtab< shiftwidth< softtabstop< suffixesadd<'
