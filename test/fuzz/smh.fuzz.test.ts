import { fuzzFile } from '../support/reliability/fuzz-file.ts'
import { smh } from '../support/reliability/dialects/smh.ts'

fuzzFile(smh)
