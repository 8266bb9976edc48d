import { fuzzFile } from '../support/reliability/fuzz-file.ts'
import { native } from '../support/reliability/dialects/native.ts'

fuzzFile(native)
