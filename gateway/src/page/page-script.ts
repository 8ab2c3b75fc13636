/**
 * The page's only script: checks each field before a post with the same rules and messages as
 * `formBody` on the server (call-form.ts), shows a mistake beside its field and moves focus to
 * it. Without script the server does the same checks and answers the page with the messages.
 */
export const PAGE_SCRIPT = `
(function(){
  var form=document.getElementById('record-form');
  var spec=document.getElementById('slipway-fields');
  if(!form||!spec)return;
  var fields=JSON.parse(spec.textContent);
  function num(kind,t){var n=t===''?NaN:Number(t);
    if(!isFinite(n))return 'expected a number, got "'+t+'"';
    if(kind==='integer'&&Math.floor(n)!==n)return 'expected a whole number, got "'+t+'"';return null}
  function check(f,t){
    if(f.kind==='number'||f.kind==='integer')return num(f.kind,t);
    if(f.kind==='choice'){for(var i=0;i<f.choices.length;i++)if(String(f.choices[i].value)===t)return null;
      return 'expected one of '+f.choices.map(function(c){return c.label}).join(', ')}
    if(f.kind==='list'){var items=t.split(',').map(function(s){return s.trim()});
      if(f.length!==null&&items.length!==f.length)return 'expected '+f.length+' comma-separated values, got '+items.length;
      for(var j=0;j<items.length;j++){var e=f.type==='bool'?(items[j]==='true'||items[j]==='false'?null:'expected true or false, got "'+items[j]+'"')
        :num(/^u?int\\d+$/.test(f.type)?'integer':'number',items[j]);if(e)return 'value '+(j+1)+': '+e}return null}
    if(f.kind==='date'){var d=/^\\d{4}-\\d{2}-\\d{2}$/.test(t)?new Date(t+'T00:00:00Z'):null;
      return d&&!isNaN(d.getTime())&&d.toISOString().slice(0,10)===t?null:'expected a date as YYYY-MM-DD, got "'+t+'"'}
    if(f.kind==='json'||f.kind==='image'){try{JSON.parse(t)}catch(x){return 'expected JSON, e.g. [1, 2] or {"a": 1}'}}
    return null}
  function show(f,msg){var input=document.getElementById('in-'+f.id),out=document.getElementById('err-'+f.id);
    if(!input||!out)return;out.textContent=msg?f.name+': '+msg:'';
    if(msg)input.setAttribute('aria-invalid','true');else input.removeAttribute('aria-invalid')}
  form.addEventListener('submit',function(ev){
    var first=null;
    fields.forEach(function(f){if(f.kind==='boolean')return;
      var input=document.getElementById('in-'+f.id);if(!input)return;
      var t=String(input.value).trim(),msg=t===''?(f.required?'required':null):check(f,t);
      show(f,msg);if(msg&&!first)first=input});
    if(first){ev.preventDefault();first.focus()}
    else{var b=form.querySelector('button[type=submit]');if(b){b.disabled=true;b.textContent='Working…'}}
  });
})();
`;
