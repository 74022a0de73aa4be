" Indentation for writ: one level inside { }, ( ) and [ ].
if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal indentexpr=WritIndent(v:lnum)
setlocal indentkeys=0{,0},0),0],!^F,o,O,e
setlocal autoindent
let b:undo_indent = 'setlocal indentexpr< indentkeys< autoindent<'

if exists('*WritIndent')
  finish
endif

" The line without its // comment and string contents.
function! s:Code(lnum) abort
  let line = getline(a:lnum)
  let line = substitute(line, '"\%([^"\\]\|\\.\)*"', '""', 'g')
  return substitute(line, '//.*$', '', '')
endfunction

function! WritIndent(lnum) abort
  let prev = prevnonblank(a:lnum - 1)
  if prev == 0
    return 0
  endif
  let ind = indent(prev)
  let code = s:Code(prev)
  let opens = len(substitute(code, '[^{(\[]', '', 'g'))
  let closes = len(substitute(code, '[^})\]]', '', 'g'))
  " A previous line that starts with a closer was already dedented.
  if code =~# '^\s*[})\]]'
    let closes -= 1
  endif
  if opens > closes
    let ind += shiftwidth()
  elseif closes > opens
    let ind -= shiftwidth() * (closes - opens)
  endif
  if getline(a:lnum) =~# '^\s*[})\]]'
    let ind -= shiftwidth()
  endif
  return ind < 0 ? 0 : ind
endfunction
