" Vim syntax file
" Language: writ policies (*.writ)
" Keep the keyword lists in step with KEYWORDS in compiler/syntax/src/lexer.rs:
" editors/vscode/scripts/check-sync.mjs checks that every keyword is here.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
syn iskeyword @,48-57,_

" Keywords.
syn keyword writItem rule forbid assert nextgroup=writDeclName skipwhite
syn keyword writItem let nextgroup=writLetName skipwhite
syn keyword writItem test
syn keyword writImport use
syn keyword writControl for when unless require then where given expect
syn keyword writClause check on of distinct from humans only followup review within
syn keyword writClause expires after all via depth by decision requires fires
syn keyword writOperatorWord and or not has is in
syn keyword writBoolean true false
" `change` is a match, not a keyword, so that a test's `change {` region can start on it.
syn match writChange /\<change\>/
syn keyword writEntity team person node

" `approval` and `emergency` name a definition at the start of a line and refer
" to one elsewhere (`require approval x`, `unless emergency x`).
syn match writClause /\<\%(approval\|emergency\)\>/
syn match writItem /^\s*\<\%(approval\|emergency\)\>/ nextgroup=writDeclName skipwhite

syn match writDeclName /\<\h\w*\>/ contained nextgroup=writParams skipwhite
syn match writLetName /\<\h\w*\>/ contained
syn region writParams matchgroup=writDelimiter start=/(/ end=/)/ contained contains=writParam,writComment
syn match writParam /\<\h\w*\>/ contained

" `expect decision pending`
syn match writDecision /\%(\<decision\s\+\)\@<=\h\w*/

" Names.
syn match writNamespace /\<\h\w*\ze\s*::/
syn match writProperty /\.\@<=\h\w*/
syn match writFunction /\<\h\w*\ze\s*(/

" Literals. Longest first: a date-time is not a date followed by junk.
syn match writBadNumber /\<\d\+\h\w*/
syn match writNumber /\<\d\+\>/
syn match writDuration /\<\d\+[smhdw]\>/
syn match writDate /\<\d\{4}-\d\{2}-\d\{2}\>/
syn match writDate /\<\d\{4}-\d\{2}-\d\{2}T\d\{2}:\d\{2}\%(:\d\{2}\)\=\%(Z\|[+-]\d\{2}:\d\{2}\)/
syn region writString start=/"/ skip=/\\\\\|\\"/ end=/"/ end=/$/ oneline contains=writEscape,writBadEscape
syn match writBadEscape /\\./ contained
syn match writEscape /\\\%([ntr\\"0]\|u{\x\{1,6}}\)/ contained

" Operators and punctuation.
syn match writOperator /==\|!=\|<=\|>=\|<\|>\|->\|=\||\|\*\|\.\./
syn match writDelimiter /::\|[{}()\[\],]/

" Comments: `//`, `///` doc comments (`////` is plain), `//!` module docs.
syn keyword writTodo TODO FIXME XXX NOTE contained
syn match writComment +//.*$+ contains=writTodo,@Spell
syn match writDocComment +///\%(/\)\@!.*$+ contains=writTodo,@Spell
syn match writDocComment +//!.*$+ contains=writTodo,@Spell

" A test's `change { … }`: the words are change fields.
syn region writChangeBlock matchgroup=writControl start=/\<change\s*{/ end=/}/ contains=writComment,writString,writNumber,writDuration,writDate,writBadNumber,writBoolean,writChangeEmergency,writField,writOperator,writDelimiter
syn keyword writChangeEmergency emergency contained
syn match writField /\<\h\w*\>/ contained

hi def link writItem Structure
hi def link writImport Include
hi def link writControl Statement
hi def link writClause Keyword
hi def link writOperatorWord Operator
hi def link writBoolean Boolean
hi def link writChange Special
hi def link writEntity Type
hi def link writDeclName Function
hi def link writLetName Identifier
hi def link writParam Identifier
hi def link writDecision Constant
hi def link writNamespace Include
hi def link writProperty Identifier
hi def link writFunction Function
hi def link writNumber Number
hi def link writDuration Number
hi def link writDate Constant
hi def link writBadNumber Error
hi def link writString String
hi def link writEscape SpecialChar
hi def link writBadEscape Error
hi def link writOperator Operator
hi def link writDelimiter Delimiter
hi def link writComment Comment
hi def link writDocComment SpecialComment
hi def link writTodo Todo
hi def link writChangeEmergency Keyword
hi def link writField Identifier

let b:current_syntax = 'writ'

let &cpo = s:cpo_save
unlet s:cpo_save
