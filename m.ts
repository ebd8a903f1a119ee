import { PGlite } from '@electric-sql/pglite';
let t=Date.now(); const a = await PGlite.create(); console.log('create', Date.now()-t);
t=Date.now(); const b = await PGlite.create(); console.log('create2', Date.now()-t);
t=Date.now(); await a.query('select 1'); for (let i=0;i<1000;i++) await a.query('select $1::int', [i]); console.log('1000 q', Date.now()-t);
t=Date.now(); const c = await a.clone(); console.log('clone', Date.now()-t);
