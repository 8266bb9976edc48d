import { fuzzFile } from '../support/reliability/fuzz-file.ts'
import { pds } from '../support/reliability/dialects/pds.ts'

fuzzFile(pds)
