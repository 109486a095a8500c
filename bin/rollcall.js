#!/usr/bin/env node
console.log("hi from rollcall", process.argv.slice(2))
