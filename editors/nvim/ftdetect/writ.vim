" writ policy files.
autocmd BufRead,BufNewFile *.writ setfiletype writ
